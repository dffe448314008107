"""Provider capacity set at run time, open provider referrals (for duplicates), duplicate
presentations, persons awaiting capacity, and the parent link of an onward referral.

Revision ID: router_0002
Revises: router_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "router_0002"
down_revision = "router_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provider_referrals") as table:  # batch: SQLite alters by copying
        table.add_column(sa.Column("parent_provider_referral_id", sa.Uuid(), nullable=True))
    op.create_table(
        "provider_capacity",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("provider"),
    )
    op.create_table(
        "open_provider_referrals",
        sa.Column("provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_referral_id", "pseudonym"),
    )
    op.create_index("ix_open_provider_referrals_person", "open_provider_referrals", ["pseudonym", "provider"])
    op.create_table(
        "duplicate_presentations",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("open_provider_referral_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "provider", "person_ref", "open_provider_referral_id"),
    )
    op.create_table(
        "awaiting_capacity",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "provider", "person_ref"),
    )
    op.create_index("ix_awaiting_capacity_provider", "awaiting_capacity", ["provider", "queued_at"])


def downgrade() -> None:
    for table in ("awaiting_capacity", "duplicate_presentations", "open_provider_referrals", "provider_capacity"):
        op.drop_table(table)  # their indexes go with them
    with op.batch_alter_table("provider_referrals") as table:
        table.drop_column("parent_provider_referral_id")
