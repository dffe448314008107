"""A household's decisions are no longer kept in a table of their own: nothing read them back, and
the same rows leave in its ReferralRouted event (written to the outbox in the same transaction,
recorded by the ledger, kept by the intake for status and subject access). Writing each decision's
explanation a second time was a fifth of the router's work.

Revision ID: router_0003
Revises: router_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "router_0003"
down_revision = "router_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_decisions_decision", table_name="decisions")
    op.drop_table("decisions")


def downgrade() -> None:
    # The table comes back empty: its rows were copies of the routed events'.
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
