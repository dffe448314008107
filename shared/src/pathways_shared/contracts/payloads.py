"""What each event carries in `additionalInformation` (the envelope is pathways_shared.events).

Events never carry names, dates of birth, contact details, identifiers or free text: the intake
keeps those. A household's events carry its routing view instead (contracts.routing_views).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from .lifecycle import ContactMethod, ReasonCode, StarReading, Status
from .profiles import PersonProfile
from .vocabulary import Consent


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferralSubmitted(_Payload):
    referral_id: uuid.UUID
    revision: int
    source_type: str
    received_at: datetime
    routing_view: dict[str, Any]
    pseudonyms: dict[str, str]          # person_ref → keyed pseudonym
    profiles: dict[str, PersonProfile] | None = None   # person_ref → demographics for reports


class ConsentRecorded(_Payload):
    referral_id: uuid.UUID
    revision: int
    person_ref: str
    consent: Consent
    routing_view: dict[str, Any]


class ReferralUpdated(_Payload):
    """A known case changed (a newer caseload row, a domain event): which fields, never their values."""
    referral_id: uuid.UUID
    revision: int
    changed_fields: list[str]
    cause: str                          # e.g. "caseload_export", "prison-offender-events.prisoner.released"
    routing_view: dict[str, Any]
    profiles: dict[str, PersonProfile] | None = None   # person_ref → demographics for reports


class CoveredPersonOut(_Payload):
    person_ref: str
    pseudonym: str
    role: str
    decision: str | None
    clause: str | None = None


class ProviderReferralRaised(_Payload):
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    revision: int
    persons: list[CoveredPersonOut]
    capacity: str
    waitlisted: bool
    urgent: bool
    rulebook_version: str
    parent_provider_referral_id: uuid.UUID | None = None   # set on an onward referral
    source: str | None = None           # the household's source type, or "provider:<id>" when onward
    onward_reason: str | None = None    # a reason code of the onward referral, never free text


class ReferralRouted(_Payload):
    referral_id: uuid.UUID
    revision: int
    as_of: date
    rulebook_version: str
    decisions: list[dict[str, Any]]     # `pathways route` rows, reasons naming person_refs only
    provider_referral_ids: list[uuid.UUID]


class ProviderReferralDelivered(_Payload):
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    webhook_id: str
    attempts: int
    status_code: int
    delivered_at: datetime


class ProviderReferralDeliveryFailed(_Payload):
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    webhook_id: str
    attempts: int
    last_error: str
    dead_lettered: bool


class DuplicatePresentationRecorded(_Payload):
    """A person presented again to a provider while an earlier provider referral is still open."""
    referral_id: uuid.UUID
    provider: str
    person_ref: str
    pseudonym: str
    open_provider_referral_id: uuid.UUID
    recorded_at: datetime


class ProviderReferralStatusChanged(_Payload):
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    from_status: Status | None          # None: cancelled before it was ever delivered
    to_status: Status
    reason: ReasonCode | None = None
    changed_at: datetime
    by: str                             # the caller's role ("provider:pops", "system"), never a name


class FirstContactRecorded(_Payload):
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    contacted_on: date
    method: ContactMethod
    recorded_at: datetime


class OutcomeStarRecorded(_Payload):
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    pseudonym: str
    reading: StarReading
    scores: dict[str, int]              # each of the ten factors, 1–10
    recorded_on: date


class FirstContactReminderRaised(_Payload):
    """No first contact after the configured number of working days since delivery."""
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    delivered_on: date
    due_on: date
    working_days: int


class ProviderCapacityChanged(_Payload):
    provider: str
    previous: str
    capacity: str
    changed_at: datetime
    released: list[uuid.UUID] = []      # held stretch provider referrals raised because of this change


def provider_stream_id(provider: str) -> uuid.UUID:
    """The envelope's `referralId` for an event about a provider, not a household: stable per
    provider, so one provider's capacity changes share a partition and stay in order."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"pathways:provider:{provider}")
