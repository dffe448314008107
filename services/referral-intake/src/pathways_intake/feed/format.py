"""The probation caseload export: its columns, and the case key every row is filed under.

One row per index person; family members in numbered column groups (fm1_… to fm6_…). The same
CRN always names the same case, in any export and in the HMPPS events (domain.case_key).
Documented for people in docs/probation-caseload.md.
"""
from __future__ import annotations

import re
from enum import StrEnum
MAX_FAMILY_MEMBERS = 6
INDEX_PERSON_REF = "ix"
LIST_SEPARATOR = ";"
_CRN = re.compile(r"^[A-Z][0-9]{6}$")


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"

    @classmethod
    def of(cls, filename: str | None, given: str | None = None) -> "ExportFormat":
        """The format asked for, else the one the file name says (CSV unless it ends .jsonl/.ndjson)."""
        if given:
            return cls(given)
        return cls.jsonl if (filename or "").lower().endswith((".jsonl", ".ndjson")) else cls.csv


# Columns of a person, in both the index person's and each family member's groups.
PERSON_COLUMNS = ("given_name", "family_name", "date_of_birth", "age_years", "sex", "ethnicity",
                  "local_authority", "postcode", "needs", "phone", "email", "address")
INDEX_COLUMNS = ("crn", "noms", "organisation", *PERSON_COLUMNS, "stage", "release_date", "establishment",
                 "resettlement_local_authority", "offence_violent", "offence_convicted", "violence_risk",
                 "past_custody", "youth_justice_transition", "consent_to_contact_family")
MEMBER_FIELDS = ("person_ref", "relationship", *PERSON_COLUMNS, "lives_with_index", "carer_ref",
                 "consent_to_contact", "no_contact_with_index")
# Without these a file cannot describe a single case: it is refused before any row is applied.
REQUIRED_COLUMNS = ("crn", "stage", "sex", "local_authority")
CONTACT_COLUMNS = ("phone", "email", "address")
OFFENCE_COLUMNS = {"offence_violent": "violent", "offence_convicted": "convicted"}
DATE_FIELDS = ("date_of_birth", "release_date")


def member_column(group: int, field: str) -> str:
    return f"fm{group}_{field}"


def member_columns(group: int) -> tuple[str, ...]:
    return tuple(member_column(group, f) for f in MEMBER_FIELDS)


def all_columns() -> tuple[str, ...]:
    """Every column the export may have, in the order an export is written."""
    members = (c for group in range(1, MAX_FAMILY_MEMBERS + 1) for c in member_columns(group))
    return (*INDEX_COLUMNS, *members)


KNOWN_COLUMNS = frozenset(all_columns())
# Column → (family member group, 0 for the index person; the field it fills).
COLUMN_ROUTES = {c: (0, c) for c in INDEX_COLUMNS} | {
    member_column(g, f): (g, f) for g in range(1, MAX_FAMILY_MEMBERS + 1) for f in MEMBER_FIELDS}


def normalise_crn(value: object) -> str:
    """CRNs are compared without case or spaces: " x123 456 " is X123456."""
    return re.sub(r"\s+", "", str(value)).upper() if value is not None else ""


def crn_problem(crn: str) -> str | None:
    if not crn:
        return "missing"
    return None if _CRN.match(crn) else "crn_format"


def column_for(loc: tuple, member_groups: list[int] | None) -> str:
    """The export's name for a contract field path: the CSV column (member_groups given: the
    fm-group of each family_members position) or the JSONL path."""
    csv = member_groups is not None
    if not loc:
        return "(row)"
    head, rest = loc[0], tuple(loc[1:])
    if head == "index_person":
        return _person_field(rest, prefix="", csv=csv, index=True)
    if head == "family_members" and rest and isinstance(rest[0], int):
        position, rest = rest[0], rest[1:]
        if csv:
            group = member_groups[position] if position < len(member_groups) else position + 1
            return _person_field(rest, prefix=f"fm{group}_", csv=True, index=False)
        return _person_field(rest, prefix=f"family_members[{position}].", csv=False, index=False)
    if loc == ("source", "organisation"):
        return "organisation"
    if head == "referred_at":
        return "(exported_at)"
    return ".".join(str(part) for part in loc)


def _person_field(rest: tuple, *, prefix: str, csv: bool, index: bool) -> str:
    if not rest:  # the person as a whole: only the "date of birth or age" rule is reported there
        return prefix + "date_of_birth"
    name = rest[0]
    if index and name == "identifiers":  # the CRN is always first, the NOMS number second
        return "crn" if len(rest) < 2 or rest[1] == 0 else "noms"
    if not csv:
        return prefix + ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in rest).replace(".[", "[")
    if name in ("contact", "offence") and len(rest) > 1:
        return prefix + (rest[1] if name == "contact" else f"offence_{rest[1]}")
    return prefix + str(name)
