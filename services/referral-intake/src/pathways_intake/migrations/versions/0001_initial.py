"""The referral intake's tables as first released (referrals, their progress, HMPPS events and
caseload feed batches as received), with the outbox and inbox tables.

Revision ID: intake_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "referral_routings",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rulebook_version", sa.String(length=32), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "provider_referral_deliveries",
        sa.Column("provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_referral_id"),
    )
    op.create_index("ix_provider_referral_deliveries_referral_id", "provider_referral_deliveries", ["referral_id"])
    create_received_tables()
    create_plumbing_tables()


def downgrade() -> None:
    drop_plumbing_tables()
    for table in ("hmpps_inbox", "feed_rejections", "feed_batch_cases", "feed_batches",
                  "provider_referral_deliveries", "referral_routings", "referrals"):
        op.drop_table(table)  # their indexes go with them


def create_received_tables() -> None:
    """HMPPS domain events as received, and the probation caseload feed's batches and rejections."""
    op.create_table(
        "hmpps_inbox",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hmpps_inbox_due", "hmpps_inbox", ["status", "next_attempt_at"])
    op.create_table(
        "feed_batches",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=True),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_table(
        "feed_batch_cases",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "referral_id"),
    )
    op.create_table(
        "feed_rejections",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "line"),
    )
    op.create_index("ix_feed_rejections_referral_id", "feed_rejections", ["referral_id"])


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
