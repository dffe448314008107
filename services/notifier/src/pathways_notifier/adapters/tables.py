"""The notifier's own tables. A delivery's schedule is a row (next_attempt_at), not a timer, so
retries survive restarts."""
from __future__ import annotations

from sqlalchemy import (
    JSON, BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, Uuid,
)

metadata = MetaData()

deliveries = Table(
    "deliveries", metadata,
    Column("webhook_id", String(80), primary_key=True),   # the delivery's id (domain.delivery.delivery_id)
    Column("provider_referral_id", Uuid, nullable=False, index=True),
    Column("referral_id", Uuid, nullable=False),
    Column("provider", String(32), nullable=False),
    Column("channel", String(16), nullable=False, server_default="webhook"),  # webhook | email | reminder-webhook | reminder-email
    Column("revision", Integer, nullable=False),
    Column("persons", JSON, nullable=False),        # person_ref, role, pseudonym: no clear data
    Column("urgent", Boolean, nullable=False),
    Column("waitlisted", Boolean, nullable=False),
    Column("status", String(16), nullable=False),   # pending | delivered | dead | cancelled
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("last_status_code", Integer),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)

# The provider referral lifecycle (../shared/domain/POLICY.md §6): one row per provider referral,
# opened when it is delivered, with its status changes and Outcomes Star readings beside it. The
# persons are copied from the latest delivery so the provider's view needs no delivery row.
provider_referrals = Table(
    "provider_referrals", metadata,
    Column("provider_referral_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("provider", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("persons", JSON, nullable=False),        # person_ref, role, pseudonym: no clear data
    Column("urgent", Boolean, nullable=False),
    Column("waitlisted", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("held_from", String(16)),                # the status an on-hold referral resumes to
    Column("reason", String(40)),                   # of the latest status change
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    Column("first_contact_on", Date),
    Column("first_contact_method", String(16)),
    Column("first_contact_by", String(64)),
    Column("reminded_at", DateTime(timezone=True)),  # the first-contact reminder, raised once
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_provider_referrals_provider_status", "provider", "status"),
)

provider_referral_history = Table(
    "provider_referral_history", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("provider_referral_id", Uuid, nullable=False, index=True),
    Column("from_status", String(16)),              # None: entered `requested` on delivery
    Column("to_status", String(16), nullable=False),
    Column("reason", String(40)),
    Column("by", String(64), nullable=False),       # a role ("provider:pops", "admin", "system"), never a name
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

outcome_star_readings = Table(
    "outcome_star_readings", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("provider_referral_id", Uuid, nullable=False, index=True),
    Column("person_ref", String(64), nullable=False),
    Column("reading", String(8), nullable=False),   # opening | review | closing
    Column("scores", JSON, nullable=False),         # factor -> 1..10
    Column("recorded_on", Date, nullable=False),
    Column("by", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

