"""What a provider sees of a household: the clear referral projected through the provider's
allowed field list (the rulebook's `fields`, ../shared/domain/POLICY.md §5).

Field names are `<scope>.<attribute>`. A covered person is projected through the scope of the
role they are covered in (subject → `subject.*`, carer → `carer.*`, household_member →
`household.*`); the index person through `index.*`. Anything not listed is left out. Some
things are never sent whatever the list says: identifiers, `no_contact_with_index` (it would
tell the index person's circle something the family asked to keep) and offence data other
than the violent / non-violent flag.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pathways_router.domain.facts import age_on
from pathways_shared.contracts.referral_v1 import HouseholdReferral, Person

SCOPE_OF_ROLE = {"subject": "subject", "carer": "carer", "household_member": "household"}
NEVER_SENT = frozenset({"identifiers", "no_contact_with_index", "offence", "person_ref"})
VIOLENT = "offence.violent"


def allowed_by_scope(fields: Iterable[str]) -> dict[str, list[str]]:
    """{"subject": ["given_name", ...], "index": [...]} from dotted field names, in listed order."""
    scopes: dict[str, list[str]] = {}
    for field in fields:
        scope, _, attribute = field.partition(".")
        if attribute and attribute not in scopes.setdefault(scope, []):
            scopes[scope].append(attribute)
    return scopes


def person_view(person: Person, attributes: Iterable[str], on: date) -> dict[str, Any]:
    """The listed attributes of one person; `age` in whole years on `on`."""
    view: dict[str, Any] = {}
    for attribute in attributes:
        if attribute == "age":
            view["age"] = age_on(person, on)
        elif attribute == VIOLENT:
            violent = getattr(getattr(person, "offence", None), "violent", None)
            if violent is not None:
                view["offence"] = "violent" if violent else "non-violent"
        elif attribute not in NEVER_SENT and "." not in attribute and attribute in type(person).model_fields:
            value = getattr(person, attribute)
            if value is not None and value != []:
                view[attribute] = _plain(value)
    return view


def project(referral: HouseholdReferral, persons: Iterable[Mapping[str, Any]], fields: Iterable[str],
            on: date) -> dict[str, Any]:
    """{"index": {...}, "persons": [...]} for one provider referral.

    `persons` are the covered persons as raised (person_ref and role). The index person's details
    appear once, under "index", and only when the provider may see some `index.*` field; when the
    index person is also a covered subject, their entry in "persons" names them without repeating
    anything.
    """
    scopes = allowed_by_scope(fields)
    index = referral.index_person
    by_ref: dict[str, Person] = {m.person_ref: m for m in referral.family_members}
    projected: dict[str, Any] = {}
    if scopes.get("index"):
        projected["index"] = {"person_ref": index.person_ref, **person_view(index, scopes["index"], on)}
    out = []
    for covered in persons:
        ref, role = covered["person_ref"], covered["role"]
        entry: dict[str, Any] = {"person_ref": ref, "role": role}
        if ref == index.person_ref:
            entry["index_person"] = True
        elif ref in by_ref:
            entry |= person_view(by_ref[ref], scopes.get(SCOPE_OF_ROLE.get(role, ""), ()), on)
        out.append(entry)
    projected["persons"] = out
    return projected


def _plain(value: Any) -> Any:
    """JSON-ready: enums by value, dates as ISO strings, nested models without empty fields."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)
