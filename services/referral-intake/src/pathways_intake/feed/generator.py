"""Synthetic caseload exports of any size, written row by row (memory stays flat).

Households come from pathways_shared.testing.households (every stage, window edge, authority,
consent and age bound); each gets a CRN that is unique in the file: a letter chosen by the seed
and the row's number, so the same seed and size always describe the same cases.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TextIO

from pathways_shared.contracts.ages import london_today
from pathways_shared.testing.household_tables import LETTERS
from pathways_shared.testing.households import generate_households

from .format import (
    CONTACT_COLUMNS, LIST_SEPARATOR, MAX_FAMILY_MEMBERS, OFFENCE_COLUMNS, ExportFormat, all_columns,
)

CRNS_PER_LETTER = 1_000_000
EXPORT_WINDOW_DAYS = 90  # the generated cases' situations are as of days in the quarter up to the export
_OFFENCE = {key: column for column, key in OFFENCE_COLUMNS.items()}


def crn_for(seed: int, row: int) -> str:
    letter = LETTERS[(seed + row // CRNS_PER_LETTER) % len(LETTERS)]
    return f"{letter}{row % CRNS_PER_LETTER:06d}"


def export_objects(n: int, seed: int, *, bad_every: int = 0, as_of: date | None = None) -> Iterator[dict]:
    """JSONL objects describing the caseload as of `as_of` (default: today in London), the day the
    export is made: nobody in it is born later. With bad_every=k, every k-th row names a stage that
    does not exist."""
    as_of = as_of or london_today()
    days = (as_of - timedelta(days=EXPORT_WINDOW_DAYS), as_of)
    for row, household in enumerate(generate_households(n, seed, referred_at_range=days)):
        obj = as_export_object(household, crn_for(seed, row))
        if bad_every and (row + 1) % bad_every == 0:
            obj["stage"] = "not_a_stage"
        yield obj


def as_export_object(household: dict, crn: str) -> dict:
    """A v1 household referral as a caseload export row (the feed sets the rest from the CRN)."""
    index = {k: v for k, v in household["index_person"].items() if k not in ("person_ref", "identifiers")}
    noms = [i["value"] for i in household["index_person"].get("identifiers", []) if i["type"] == "NOMS"]
    members = household.get("family_members", [])[:MAX_FAMILY_MEMBERS]
    return {"crn": crn, **({"noms": noms[0]} if noms else {}), **index, "family_members": members}


def as_csv_cells(obj: dict) -> dict[str, str]:
    cells = _person_cells({k: v for k, v in obj.items() if k != "family_members"}, "")
    for group, member in enumerate(obj.get("family_members", []), start=1):
        cells.update(_person_cells({k: v for k, v in member.items() if k != "identifiers"}, f"fm{group}_"))
    return cells


def _person_cells(person: dict, prefix: str) -> dict[str, str]:
    cells = {}
    for name, value in person.items():
        if name == "contact":
            cells.update({prefix + c: value[c] for c in CONTACT_COLUMNS if c in value})
        elif name == "offence":
            cells.update({prefix + _OFFENCE[k]: _text(v) for k, v in value.items() if v is not None})
        else:
            cells[prefix + name] = _text(value)
    return cells


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def write_export(out: TextIO, n: int, seed: int, fmt: ExportFormat = ExportFormat.csv, *, bad_every: int = 0,
                 as_of: date | None = None) -> int:
    """Write n rows to `out` (opened with newline=""); returns the rows written."""
    rows = export_objects(n, seed, bad_every=bad_every, as_of=as_of)
    if ExportFormat(fmt) is ExportFormat.jsonl:
        for obj in rows:
            out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        return n
    writer = csv.DictWriter(out, fieldnames=all_columns(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(as_csv_cells(obj) for obj in rows)
    return n
