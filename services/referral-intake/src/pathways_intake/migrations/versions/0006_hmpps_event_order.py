"""HMPPS events are applied in the order they occurred: the inbox keeps each event's occurredAt,
and an event older than the newest one applied to its case is skipped as superseded. Events applied
before this revision have no occurredAt kept, so they do not count as newer.

Revision ID: intake_0006
Revises: intake_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0006"
down_revision = "intake_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hmpps_inbox") as batch:
        batch.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_hmpps_inbox_case", ["referral_id", "occurred_at"])


def downgrade() -> None:
    with op.batch_alter_table("hmpps_inbox") as batch:
        batch.drop_index("ix_hmpps_inbox_case")
        batch.drop_column("occurred_at")
