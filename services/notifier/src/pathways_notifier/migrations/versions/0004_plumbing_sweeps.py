"""The outbox relay's hourly sweep finds what it deletes by index: outbox rows published before
their keeping period (OUTBOX_KEEP_PUBLISHED_HOURS), and records of processed messages older than
theirs (INBOX_KEEP_PROCESSED_HOURS), which were kept for ever before.

Revision ID: notifier_0004
Revises: notifier_0003
"""
from alembic import op

revision = "notifier_0004"
down_revision = "notifier_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_index("ix_processed_messages_processed_at", "processed_messages", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_messages_processed_at", table_name="processed_messages")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
