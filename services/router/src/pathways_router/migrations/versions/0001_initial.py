"""The router's tables as first released, with the outbox and inbox tables.

Revision ID: router_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "router_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("routing_view", sa.JSON(), nullable=False),
        sa.Column("pseudonyms", sa.JSON(), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "decisions",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("eligible_from", sa.Date(), nullable=True),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("rulebook_version", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "person_ref", "provider"),
    )
    op.create_index("ix_decisions_decision", "decisions", ["decision"])
    op.create_table(
        "pending_reevaluations",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "due_on"),
    )
    op.create_table(
        "triage",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "person_ref", "provider"),
    )
    op.create_table(
        "provider_referrals",
        sa.Column("provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_referral_id"),
    )
    op.create_index("ix_provider_referrals_referral_id", "provider_referrals", ["referral_id"])
    create_plumbing_tables()


def downgrade() -> None:
    drop_plumbing_tables()
    for table in ("provider_referrals", "triage", "pending_reevaluations", "decisions", "households"):
        op.drop_table(table)  # their indexes go with them


def create_plumbing_tables() -> None:
    """The transactional outbox and the consumer's processed-message record (pathways_shared)."""
    op.create_table(
        "outbox",
        # INTEGER on SQLite so the id is the rowid and increases; BIGINT identity elsewhere.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("message_key", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["id"],
                    postgresql_where=sa.text("published_at IS NULL"), sqlite_where=sa.text("published_at IS NULL"))
    op.create_table(
        "processed_messages",
        sa.Column("consumer_group", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer_group", "event_id"),
    )


def drop_plumbing_tables() -> None:
    op.drop_table("processed_messages")
    op.drop_table("outbox")
