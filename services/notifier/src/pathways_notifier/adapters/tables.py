"""The notifier's own table. A delivery's schedule is a row (next_attempt_at), not a timer, so
retries survive restarts."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text, Uuid

metadata = MetaData()

deliveries = Table(
    "deliveries", metadata,
    Column("webhook_id", String(80), primary_key=True),
    Column("provider_referral_id", Uuid, nullable=False, index=True),
    Column("referral_id", Uuid, nullable=False),
    Column("provider", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("persons", JSON, nullable=False),        # person_ref, role, pseudonym: no clear data
    Column("urgent", Boolean, nullable=False),
    Column("waitlisted", Boolean, nullable=False),
    Column("status", String(16), nullable=False),   # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("last_status_code", Integer),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)
