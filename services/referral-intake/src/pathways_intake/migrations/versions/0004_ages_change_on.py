"""When each referral's ages next change: the birthday job announces the household again on that
day, so events carry ages and never dates of birth.

Referrals already stored are due at once: the job opens their dates of birth, announces their
ages (replacing, in the router, any earlier routing view that carried a date of birth) and sets
the real day.

Revision ID: intake_0004
Revises: intake_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("ages_change_on", sa.Date(), nullable=True))
        batch.create_index("ix_referrals_ages_change_on", ["ages_change_on"])
    op.execute("UPDATE referrals SET ages_change_on = CURRENT_DATE")


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_index("ix_referrals_ages_change_on")
        batch.drop_column("ages_change_on")
