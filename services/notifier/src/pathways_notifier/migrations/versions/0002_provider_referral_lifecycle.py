"""The provider referral lifecycle: each delivered provider referral's status, first contact and
first-contact reminder; its status history; its Outcomes Star readings.

Revision ID: notifier_0002
Revises: notifier_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "notifier_0002"
down_revision = "notifier_0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER on SQLite so it is the rowid


def upgrade() -> None:
    op.create_table(
        "provider_referrals",
        sa.Column("provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("waitlisted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_from", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_contact_on", sa.Date(), nullable=True),
        sa.Column("first_contact_method", sa.String(length=16), nullable=True),
        sa.Column("first_contact_by", sa.String(length=64), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_referral_id"),
    )
    op.create_index("ix_provider_referrals_provider_status", "provider_referrals", ["provider", "status"])
    op.create_table(
        "provider_referral_history",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_provider_referral_history_provider_referral_id", "provider_referral_history",
                    ["provider_referral_id"])
    op.create_table(
        "outcome_star_readings",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("reading", sa.String(length=8), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outcome_star_readings_provider_referral_id", "outcome_star_readings",
                    ["provider_referral_id"])


def downgrade() -> None:
    for table in ("outcome_star_readings", "provider_referral_history", "provider_referrals"):
        op.drop_table(table)  # their indexes go with them
