"""A household referral as its events carry it: the routing view, and the ReferralSubmitted and
ReferralUpdated payloads (contracts.payloads) built around it.

The routing view is the referral without names, contact details, identifiers or free text, and
with ages in whole years instead of dates of birth: enough for the router to decide.
"""
from __future__ import annotations

from datetime import date, datetime

from pydantic import TypeAdapter

from .ages import age_on, london_day
from .profiles import household_profile_fields
from .referral_v1 import HouseholdReferral

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
