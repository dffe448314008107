"""CSV for people: cells a spreadsheet shows as text, never runs as a formula (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets read a cell starting with `=`, `+`, `-` or `@` as a formula
(a leading tab or carriage return can hide one), so a name chosen by whoever wrote an export or
an event could open a link or run a command on the reader's machine. Such a text cell gets a
leading single quote, which spreadsheets take as "this is text". Anything not a string (a line
number, a count, a negative mean, a UUID) is written as it is.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SpreadsheetWriter:
    """csv.writer's rows, each ending in "\\n", with every cell passed through `cell`.

    A cell holding a carriage return is quoted too: csv.writer quotes only the characters of its
    own line terminator, and a bare CR left unquoted starts a new row in a spreadsheet, whose
    first cell (`x\\r=HYPERLINK(…)`) would escape the check above."""

    def __init__(self, out: TextIO):
        self._out, self._row = out, io.StringIO()
        self._csv = csv.writer(self._row, lineterminator="\r\n")   # quotes a cell holding either

    def writerow(self, row: Iterable[Any]) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._csv.writerow([cell(v) for v in row])
        self._out.write(self._row.getvalue()[:-2] + "\n")

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
