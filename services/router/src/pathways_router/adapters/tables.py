"""The router's own tables. Pending re-evaluations are rows, not timers, so they survive restarts."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Integer, MetaData, String, Table, Uuid

metadata = MetaData()

households = Table(
    "households", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("routing_view", JSON, nullable=False),
    Column("pseudonyms", JSON, nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
)

decisions = Table(
    "decisions", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("decision", String(16), nullable=False, index=True),
    Column("eligible_from", Date),
    Column("clauses", JSON, nullable=False),
    Column("rulebook_version", String(32), nullable=False),
    Column("as_of", Date, nullable=False),
)

reevaluations = Table(
    "pending_reevaluations", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("due_on", Date, primary_key=True),
)

triage = Table(
    "triage", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("pseudonym", String(64), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("queued_at", DateTime(timezone=True), nullable=False),
)

raised = Table(
    "provider_referrals", metadata,
    Column("provider_referral_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False, index=True),
    Column("provider", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("persons", JSON, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
)
