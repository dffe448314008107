"""One export row → a v1 household referral document, and the problems named by export column.

Cells are handed to the contract as text; it reads numbers, booleans (true/false, yes/no, 1/0)
and enums, and reports what it cannot. Dates must be written YYYY-MM-DD.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pathways_shared.contracts.referral_parsing import ReferralInvalid, parse_referral
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.vocabulary import SourceType

from ..domain.case_key import case_referral_id
from .format import (
    COLUMN_ROUTES, CONTACT_COLUMNS, DATE_FIELDS, INDEX_PERSON_REF, LIST_SEPARATOR, OFFENCE_COLUMNS, column_for,
    crn_problem, normalise_crn,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"[0-9]+\Z")
SET_BY_FEED = ("person_ref", "identifiers")  # the feed fills these from the CRN and NOMS columns


@dataclass(frozen=True)
class ExportContext:
    exported_at: datetime
    organisation: str | None = None
    case_key: bytes = field(default=b"", repr=False)   # the pseudonym key, for case_referral_id


@dataclass
class RowResult:
    crn: str | None                   # normalised, when the row gives a well-formed one
    referral: HouseholdReferral | None
    problems: list[dict]              # [{field, type, reason}], fields named as in the export
    referral_id: uuid.UUID | None = None   # case_referral_id of the crn: set whenever crn is


def problem(field: str, kind: str, reason: str) -> dict:
    return {"field": field, "type": kind, "reason": reason}


def from_csv_cells(cells: dict[str, str], context: ExportContext) -> RowResult:
    """Cells by (known) column name; empty cells are simply not given."""
    top, people = {}, {}
    for column, value in cells.items():
        value = value.strip() if value else ""
        if not value:
            continue
        group, name = COLUMN_ROUTES[column]
        if group == 0 and name in ("crn", "noms", "organisation"):
            top[name] = value
        elif name in CONTACT_COLUMNS:
            people.setdefault(group, {}).setdefault("contact", {})[name] = value
        elif name in OFFENCE_COLUMNS:
            people.setdefault(group, {}).setdefault("offence", {})[OFFENCE_COLUMNS[name]] = value
        elif name == "needs":
            people.setdefault(group, {})[name] = [n.strip() for n in value.split(LIST_SEPARATOR) if n.strip()]
        else:
            people.setdefault(group, {})[name] = value
    index = people.pop(0, {})
    groups = sorted(people)
    return _validated(top.get("crn"), top.get("noms"), top.get("organisation"), index,
                      [people[g] for g in groups], context, groups, [])


def from_json_object(obj: dict, context: ExportContext) -> RowResult:
    """A JSONL object: the index person's contract fields, crn, noms, organisation, family_members."""
    index = {k: v for k, v in obj.items() if k not in ("crn", "noms", "organisation", "family_members")}
    early = [problem(k, "set_by_feed", "the feed sets this from crn and noms; leave it out")
             for k in SET_BY_FEED if k in index]
    for name in SET_BY_FEED:
        index.pop(name, None)
    members = obj.get("family_members", [])
    noms, organisation = obj.get("noms"), obj.get("organisation")
    return _validated(obj.get("crn"), noms, organisation, index, members, context, None, early)


def _validated(crn_value, noms, organisation, index: dict, members, context: ExportContext,
               groups: list[int] | None, problems: list[dict]) -> RowResult:
    crn = normalise_crn(crn_value) if isinstance(crn_value, str) else ""
    bad_crn = crn_problem(crn) if isinstance(crn_value, str | None) else "crn_format"
    if bad_crn:
        reason = "a CRN is required" if bad_crn == "missing" else "a CRN is a letter and six digits"
        problems.append(problem("crn", bad_crn, reason))
    noms = noms.strip().upper() if isinstance(noms, str) else noms
    identifiers = [{"type": "CRN", "value": crn}] + ([{"type": "NOMS", "value": noms}] if noms else [])
    document = {
        "schema_version": "1", "referred_at": context.exported_at.isoformat(),
        "source": {"type": SourceType.probation_auto_feed.value,
                   **({"organisation": organisation or context.organisation}
                      if organisation or context.organisation else {})},
        "index_person": {**index, "person_ref": INDEX_PERSON_REF, "identifiers": identifiers},
        "family_members": members,
    }
    referral_id = None if bad_crn else case_referral_id(crn, context.case_key)
    if referral_id is not None:
        document["referral_id"] = str(referral_id)
    spelling = _spelling_problems(document, groups)
    problems += spelling
    try:
        referral = parse_referral(document)
    except ReferralInvalid as invalid:
        settled = {p["field"] for p in spelling} | ({"crn"} if bad_crn else set())
        problems += [p for p in (_named(p, groups) for p in invalid.problems) if p["field"] not in settled]
        referral = None
    return RowResult(None if bad_crn else crn, None if problems else referral, _distinct(problems), referral_id)


def _named(found, groups: list[int] | None) -> dict:
    if found.type == "model_type" and len(found.loc) == 2 and found.loc[0] == "family_members":  # JSONL only
        return problem(f"family_members[{found.loc[1]}]", "model_type", "a family member is a JSON object")
    column = column_for(found.loc, groups)
    if column.endswith("email") and found.type == "value_error":  # its message may quote the address
        return problem(column, "email", "not a valid email address")
    return problem(column, found.type, found.message)


def _spelling_problems(document: dict, groups: list[int] | None) -> list[dict]:
    """The contract would read other spellings as a date (even a Unix time, in JSONL) and true as
    an age of 1; exports must write dates YYYY-MM-DD and ages as whole numbers."""
    found = []
    members = document["family_members"] if isinstance(document["family_members"], list) else []
    people = [(("index_person",), document["index_person"])] + [
        (("family_members", i), m) for i, m in enumerate(members) if isinstance(m, dict)]
    for loc, person in people:
        for name in DATE_FIELDS:
            value = person.get(name)
            if value is not None and not (isinstance(value, str) and _ISO_DATE.match(value.strip())):
                found.append(problem(column_for((*loc, name), groups), "date_format",
                                     "a date is written YYYY-MM-DD"))
        age = person.get("age_years")
        if isinstance(age, str) and not _DIGITS.match(age.strip()):   # int() would take 1_0 or +30
            found.append(problem(column_for((*loc, "age_years"), groups), "int_parsing",
                                 "an age is a whole number of years, written in digits"))
        if isinstance(age, bool):
            found.append(problem(column_for((*loc, "age_years"), groups), "int_type",
                                 "an age is a whole number of years, not true or false"))
    return found


def _distinct(problems: list[dict]) -> list[dict]:
    """One entry per field and kind (a needs list with two bad values is one problem)."""
    seen, out = set(), []
    for p in problems:
        if (p["field"], p["type"]) not in seen:
            seen.add((p["field"], p["type"]))
            out.append(p)
    return out
