"""What each event carries in `additionalInformation` (the envelope is pathways_shared.events).

Events never carry names, dates of birth, contact details, identifiers or free text: the intake
keeps those. The routing view is the referral with those removed and ages in whole years, enough
for the router to decide.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from .ages import age_on, london_day
from .lifecycle import ContactMethod, ReasonCode, StarReading, Status
from .profiles import PersonProfile, household_profile_fields
from .referral_v1 import HouseholdReferral
from .vocabulary import Consent

# Fields that identify a person or carry free text; they stay in the intake's protected store.
PERSONAL_FIELDS = ("given_name", "family_name", "identifiers", "contact", "postcode", "ethnicity")
SOURCE_PERSONAL_FIELDS = ("contact_name", "contact_email")
_TIME = TypeAdapter(datetime)   # a payload's timestamps, written as its model writes them


def routing_view(referral: HouseholdReferral, ages_on: date | None = None, document: dict | None = None) -> dict:
    """The referral without personal fields; each date of birth replaced by the age in whole years
    on `ages_on` (default: the referral day), which only the intake can compute. `document`: the
    referral's JSON form with its effective id, when the caller already has it (it is not changed)."""
    if document is None:
        doc = referral.model_dump(mode="json", exclude_none=True)
        doc["referral_id"] = str(referral.effective_id())
    else:  # copied only where the view takes from it
        doc = {**document, "source": dict(document["source"]), "index_person": dict(document["index_person"])}
        if "family_members" in document:
            doc["family_members"] = [dict(m) for m in document["family_members"]]
    on = ages_on or london_day(referral.referred_at)
    for model, person in zip(referral.persons(), [doc["index_person"], *doc.get("family_members", [])]):
        for name in PERSONAL_FIELDS:
            person.pop(name, None)
        if person.pop("date_of_birth", None) is not None:
            person["age_years"] = age_on(model, on)
    for name in SOURCE_PERSONAL_FIELDS:
        doc["source"].pop(name, None)
    return doc


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


def referral_submitted_event(referral: HouseholdReferral, *, revision: int, received_at: datetime,
                             pseudonym_key: bytes, ages_on: date | None = None,
                             pseudonyms: dict[str, str] | None = None, document: dict | None = None):
    """The ReferralSubmitted event for a stored referral: routing view (ages on `ages_on`) and
    pseudonyms, nothing clear. `pseudonyms` (household_pseudonyms) and `document` (as routing_view
    takes it): what the caller already made for the same referral, not made again."""
    from ..events import EventType, new_event
    from ..privacy import household_pseudonyms

    pseudonyms = pseudonyms if pseudonyms is not None else household_pseudonyms(referral, pseudonym_key)
    payload = submitted_payload(referral, revision, received_at, routing_view(referral, ages_on, document),
                                pseudonyms)
    return new_event(EventType.referral_submitted, referral.effective_id(), description="household referral submitted",
                     additional_information=payload, identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms.values()])


def submitted_payload(referral: HouseholdReferral, revision: int, received_at: datetime, view: dict,
                      pseudonyms: dict[str, str]) -> dict:
    """ReferralSubmitted(...).model_dump(mode="json") with the referral's profiles, made directly:
    every value already has its field's type, and a caseload feed makes one per case."""
    return {"referral_id": str(referral.effective_id()), "revision": revision,
            "source_type": referral.source.type.value, "received_at": _TIME.dump_python(received_at, mode="json"),
            "routing_view": view, "pseudonyms": dict(pseudonyms), "profiles": household_profile_fields(referral)}


def updated_payload(referral: HouseholdReferral, revision: int, changed_fields: list[str], cause: str,
                    view: dict) -> dict:
    """ReferralUpdated(...).model_dump(mode="json") with the referral's profiles, made directly,
    as submitted_payload is: a changed caseload export makes one per case."""
    return {"referral_id": str(referral.effective_id()), "revision": revision, "changed_fields": list(changed_fields),
            "cause": cause, "routing_view": view, "profiles": household_profile_fields(referral)}


def provider_stream_id(provider: str) -> uuid.UUID:
    """The envelope's `referralId` for an event about a provider, not a household: stable per
    provider, so one provider's capacity changes share a partition and stay in order."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"pathways:provider:{provider}")
