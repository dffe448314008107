"""Records of processed messages are forgotten after a keeping period (INBOX_KEEP_PROCESSED_HOURS),
oldest first, by the outbox relay's sweep: an index on when each was processed finds them.

Revision ID: intake_0005
Revises: intake_0004
"""
from alembic import op

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_messages_processed_at", "processed_messages", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_messages_processed_at", table_name="processed_messages")
