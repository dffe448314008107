"""The intake's own tables: the protected store of clear referrals, and the progress projection
(routing outcome and deliveries) that answers GET /v1/referrals/{id}."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Integer, MetaData, String, Table, Uuid

metadata = MetaData()

referrals = Table(
    "referrals", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("document", JSON, nullable=False),       # the clear document, current revision
    Column("content_hash", String(64), nullable=False),  # of the document as first submitted
    Column("source_type", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

routings = Table(
    "referral_routings", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("rulebook_version", String(32), nullable=False),
    Column("decisions", JSON, nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "provider_referral_deliveries", metadata,
    Column("provider_referral_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False, index=True),
    Column("provider", String(32)),                  # unknown until raised or delivered is seen
    Column("delivery", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
