"""Which parts of a stored referral are personal data, and how a document is split into its
non-personal skeleton (kept queryable) and its personal fields (kept sealed), and put back.

A person's personal fields are the ones events never carry (pathways_shared.contracts.routing_views
PERSONAL_FIELDS) and the date of birth; the referrer's contact name and email are the source's.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pathways_shared.contracts.ages import london_day, years_on
from pathways_shared.contracts.routing_views import PERSONAL_FIELDS, SOURCE_PERSONAL_FIELDS

PERSON_FIELDS = (*PERSONAL_FIELDS, "date_of_birth")
SOURCE_REF = ""          # the referrer's fields; no person_ref is empty, so it names nobody else
AGE_AT_REFERRAL = "age_at_referral"   # kept beside a sealed date of birth: a coarse attribute
ERASED = "[erased]"      # what a field reads as once its person's key is shredded
_EMPTY = (None, [], {}, "")   # values that are not kept (made once: split runs per referral)


@dataclass(frozen=True)
class PersonalValue:
    person_ref: str
    field: str
    value: Any


def _people(document: dict) -> list[dict]:
    return [document["index_person"], *document.get("family_members", [])]


def split(document: dict) -> tuple[dict, list[PersonalValue]]:
    """The skeleton (no personal data) and the personal values taken out of it. Only what is
    taken from is copied: the skeleton shares the rest with `document` (neither is changed later)."""
    skeleton = _taking_copy(document)
    values: list[PersonalValue] = []
    on = london_day(datetime.fromisoformat(document["referred_at"]))
    for person in _people(skeleton):
        for name in PERSON_FIELDS:
            value = person.get(name)
            if value or value not in _EMPTY:  # an empty list says nothing about anyone
                values.append(PersonalValue(person["person_ref"], name, person.pop(name)))
                if name == "date_of_birth" and "age_years" not in person:
                    person[AGE_AT_REFERRAL] = years_on(date.fromisoformat(values[-1].value), on)
    for name in SOURCE_PERSONAL_FIELDS:
        if name in skeleton.get("source", {}):
            values.append(PersonalValue(SOURCE_REF, name, skeleton["source"].pop(name)))
    return skeleton, values


def _taking_copy(document: dict) -> dict:
    """A copy of the document whose source and persons may be popped from without touching it."""
    skeleton = dict(document)
    skeleton["index_person"] = dict(document["index_person"])
    if "family_members" in document:
        skeleton["family_members"] = [dict(m) for m in document["family_members"]]
    if "source" in document:
        skeleton["source"] = dict(document["source"])
    return skeleton


def merge(skeleton: dict, values: list[PersonalValue]) -> dict:
    """The document again; an erased value reads as ERASED."""
    document = copy.deepcopy(skeleton)
    people = {p["person_ref"]: p for p in _people(document)}
    for value in values:
        holder = document["source"] if value.person_ref == SOURCE_REF else people.get(value.person_ref)
        if holder is None:
            continue  # a person the skeleton no longer lists
        holder[value.field] = value.value
        if value.field == "date_of_birth" and value.value != ERASED:
            holder.pop(AGE_AT_REFERRAL, None)
    return document


def without_erased(document: dict) -> tuple[dict, list[str]]:
    """The document as the v1 contract reads it (erased fields left out, the age at referral
    standing in for an erased date of birth), and the paths of the fields left out."""
    document = copy.deepcopy(document)
    gone = [f"source.{k}" for k, v in list(document["source"].items()) if v == ERASED]
    for name in gone:
        document["source"].pop(name.split(".", 1)[1])
    for position, person in enumerate(_people(document)):
        where = "index_person" if position == 0 else f"family_members[{person['person_ref']}]"
        for name in [k for k, v in person.items() if v == ERASED]:
            person.pop(name)
            gone.append(f"{where}.{name}")
        age = person.pop(AGE_AT_REFERRAL, None)
        if "date_of_birth" not in person and "age_years" not in person and age is not None:
            person["age_years"] = age
    return document, gone


def reads_whole(document: dict) -> bool:
    """Whether the contract reads the document as it is: without_erased would change nothing."""
    people = _people(document)
    return not (any(v == ERASED for v in document["source"].values())
                or any(v == ERASED for person in people for v in person.values())
                or any(AGE_AT_REFERRAL in person for person in people))
