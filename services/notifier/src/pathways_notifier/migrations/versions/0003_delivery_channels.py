"""Deliveries name their channel: the webhook (every delivery so far) or an email with a link.

Revision ID: notifier_0003
Revises: notifier_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "notifier_0003"
down_revision = "notifier_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=False, server_default="webhook"))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("channel")
