"""Person profiles: the demographics a report may count, with nothing that identifies anyone.

Computed once, where the intake still holds the clear referral, and carried on ReferralSubmitted
and ReferralUpdated so reports never need names, dates of birth or identifiers.

Age bands (age on the referral date, Europe/London) do not overlap, unlike the old return's
0-4, 5-11, 11-16, 16-18 (../shared/domain/SOURCES.md §3.8): they split where the routing policy
does (TMUK's core range starts at 5, adulthood at 18, Shelter's core range ends at 25, MOMS at 30).

Ethnicity: the free text is mapped to the ONS 2021 census high-level groups by keywords, checked in
the order of ETHNICITY_KEYWORDS (so "White and Black Caribbean" is mixed, "Black British" black);
text that says nothing recognisable, or declines, is 'not_stated'.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from .ages import age_on, london_day
from .referral_v1 import HouseholdReferral, Person

# (lowest age, label); each band runs up to the next band's lowest age.
AGE_BANDS = ((0, "0-4"), (5, "5-10"), (11, "11-15"), (16, "16-17"), (18, "18-24"), (25, "25-29"),
             (30, "30-49"), (50, "50+"))
AGE_BAND_ORDER = tuple(label for _, label in AGE_BANDS)

ETHNICITY_GROUPS = ("asian", "black", "mixed", "white", "other", "not_stated")
ETHNICITY_KEYWORDS = (
    ("not_stated", ("not stated", "prefer not", "declined", "not known", "unknown", "not disclosed", "refused")),
    ("mixed", ("mixed", "multiple", "dual heritage", "biracial", "white and ")),
    ("black", ("black", "african", "caribbean", "somali", "nigerian", "ghanaian", "eritrean")),
    ("asian", ("asian", "indian", "pakistani", "bangladeshi", "chinese", "kashmiri", "sri lankan", "nepali")),
    ("other", ("arab", "kurdish", "iranian", "turkish", "latin", "any other", "other ethnic")),
    ("white", ("white", "british", "english", "welsh", "scottish", "irish", "gypsy", "traveller", "roma",
               "polish", "european")),
)

# The optional person fields of the v1 contract whose absence the data-quality section counts.
OPTIONAL_FIELDS = ("date_of_birth", "ethnicity", "postcode", "contact", "identifiers", "given_name", "family_name",
                   "needs")


class PersonProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    age_band: str
    sex: str
    ethnicity_group: str
    local_authority: str
    missing: list[str] = []


def age_band(age: int) -> str:
    label = AGE_BAND_ORDER[0]
    for low, name in AGE_BANDS:
        if age >= low:
            label = name
    return label


@lru_cache(maxsize=4096)  # a caseload repeats a few dozen spellings; each is matched once
def ethnicity_group(text: str | None) -> str:
    norm = unicodedata.normalize("NFKC", text or "").casefold().strip()
    for group, words in ETHNICITY_KEYWORDS:
        if any(word in norm for word in words):
            return group
    return "not_stated"


def profile_fields(person: Person, on: date) -> dict:
    """The person's profile as its JSON form (PersonProfile's fields, in order); `on`: the referral day."""
    return {"age_band": age_band(age_on(person, on)), "sex": str(person.sex),  # str: an enum's value
            "ethnicity_group": ethnicity_group(person.ethnicity), "local_authority": str(person.local_authority),
            "missing": [name for name in OPTIONAL_FIELDS if not getattr(person, name)]}


def household_profiles(referral: HouseholdReferral) -> dict[str, PersonProfile]:
    """person_ref → profile, for every person on the referral."""
    return {ref: PersonProfile(**fields) for ref, fields in household_profile_fields(referral).items()}


def household_profile_fields(referral: HouseholdReferral) -> dict[str, dict]:
    """household_profiles in their JSON form, made without the models (an event per referral)."""
    on = london_day(referral.referred_at)
    return {p.person_ref: profile_fields(p, on) for p in referral.persons()}
