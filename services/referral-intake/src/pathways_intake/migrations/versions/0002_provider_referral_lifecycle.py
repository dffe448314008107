"""Each provider referral's lifecycle as the provider reports it (status, reason, first contact),
beside its delivery in the intake's progress projection, so a referrer sees it early.

Revision ID: intake_0002
Revises: intake_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None

TABLE = "provider_referral_deliveries"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("status_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("first_contact_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("first_contact_method", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("first_contact_due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        for column in ("first_contact_due_on", "first_contact_method", "first_contact_on",
                       "status_changed_at", "status_reason", "status"):
            batch.drop_column(column)
