"""The ledger's append-only table as first released, with the guards that make the database
refuse UPDATE, DELETE and TRUNCATE of recorded entries.

Revision ID: ledger_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from pathways_ledger.adapters.schema import CHAIN_LOCK_KEY, guard_statements

revision = "ledger_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # a ledger process starting meanwhile must not race this DDL
        op.execute(sa.text(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})"))
    op.create_table(
        "ledger_entries",
        # Assigned by the appender under the chain lock, never by a sequence (a gap would read as tampering).
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("entry_id"),
    )
    op.create_index("ix_ledger_entries_referral_seq", "ledger_entries", ["referral_id", "seq"])
    # The guards are the ledger's own idempotent DDL, the same the service installs on SQLite.
    for statement in guard_statements(bind.dialect.name):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    op.drop_table("ledger_entries")  # its index and triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_entries_refuse_change()")
