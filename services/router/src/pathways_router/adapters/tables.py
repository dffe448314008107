"""The router's own tables. Pending re-evaluations are rows, not timers, so they survive restarts;
so are persons waiting for a provider's capacity, in order of arrival. A household's decisions are
not kept here: they leave in its ReferralRouted event, written to the outbox in the same
transaction, which the ledger records and the intake keeps for status and subject access."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Uuid

metadata = MetaData()

households = Table(
    "households", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("routing_view", JSON, nullable=False),
    Column("pseudonyms", JSON, nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
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
    # Set on an onward referral: the provider referral it came from (POLICY.md §4).
    Column("parent_provider_referral_id", Uuid),
)

# A provider's capacity as last set through the API; it overrides the rulebook's declared one.
provider_capacity = Table(
    "provider_capacity", metadata,
    Column("provider", String(32), primary_key=True),
    Column("capacity", String(32), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(100), nullable=False),
)

# Each subject of a raised provider referral until the provider closes it: what duplicates are checked against.
open_referrals = Table(
    "open_provider_referrals", metadata,
    Column("provider_referral_id", Uuid, primary_key=True),
    Column("pseudonym", String(64), primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("referral_id", Uuid, nullable=False),
    Column("person_ref", String(64), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Index("ix_open_provider_referrals_person", "pseudonym", "provider"),
)

duplicate_presentations = Table(
    "duplicate_presentations", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("open_provider_referral_id", Uuid, primary_key=True),
    Column("pseudonym", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Eligible or stretch decisions a provider's capacity holds back; queued_at keeps the order of arrival.
awaiting_capacity = Table(
    "awaiting_capacity", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Index("ix_awaiting_capacity_provider", "provider", "queued_at"),
)
