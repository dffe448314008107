"""Reading an export row by row from an open text file: memory stays flat however long the file.

Nothing read is lost: a row that cannot be read (malformed CSV, invalid JSON, a runaway quoted
field, bytes that are not UTF-8) still comes out as a row, with its text and its problems.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import TextIO

from pathways_shared import jsonsafe
from .format import KNOWN_COLUMNS, REQUIRED_COLUMNS, ExportFormat
from .lines import (
    MAX_RECORD_CHARS, RAW_KEPT_CHARS, UTF16_MARKS, RecordLines, RecordRunsOn, RecordTooLong, as_read, not_utf8,
    read_line,
)
from .rows import ExportContext, RowResult, from_csv_cells, from_json_object, problem

UNREADABLE = "(row)"


@dataclass
class ExportRow:
    line: int          # where the row starts in the file (the CSV header is line 1)
    raw: str           # the row's text as read
    result: RowResult


@dataclass
class ExportFile:
    format: ExportFormat
    rows: Iterator[ExportRow]
    file_problems: list[dict] = field(default_factory=list)
    refused: bool = False   # the file cannot be read as an export at all: no row is applied


def read_export(handle: TextIO, fmt: ExportFormat, context: ExportContext) -> ExportFile:
    """`handle` is opened with newline="" (so quoted line breaks survive) and errors="surrogateescape"."""
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.csv:
        return _read_csv(handle, context)
    first, blank = read_line(handle), 0
    if first.startswith(UTF16_MARKS):
        return _refused(fmt, [_utf16()])
    while first and not first.strip() and len(first) <= MAX_RECORD_CHARS:   # blank lines hold no case
        first, blank = read_line(handle), blank + 1
    if not first:   # as a CSV export without even a header: an export job that wrote nothing
        return _refused(fmt, [problem("(file)", "empty_export", "the export holds no lines")])
    return ExportFile(fmt, _jsonl_rows(first, handle, context, blank + 1))


def _utf16() -> dict:
    return problem("(file)", "encoding", "the file is UTF-16 (it starts with a UTF-16 byte-order mark): "
                   "export it as UTF-8")


def _unreadable(line: int, raw: str, kind: str, reason: str) -> ExportRow:
    return ExportRow(line, as_read(raw), RowResult(None, None, [problem(UNREADABLE, kind, reason)]))


# A cell may be as long as a whole row (the csv module's default stops at 128 KiB, before the
# row's limit and the contract's own limits on each field could say what is wrong).
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS))


def _read_csv(handle: TextIO, context: ExportContext) -> ExportFile:
    lines = RecordLines(handle)
    reader = csv.reader(lines, strict=True)
    header, unreadable = [], None
    try:
        header = next(reader)
        while len(header) <= 1 and not "".join(header).strip():   # blank lines before the header
            lines.start_record()
            header = next(reader)
    except StopIteration:
        return _refused(ExportFormat.csv, [problem("(header)", "empty_export", "the export has no header line")])
    except (csv.Error, RecordRunsOn, RecordTooLong) as exc:
        unreadable = problem("(header)", "malformed_header", f"the header line cannot be read: {exc}")
    if lines.text().startswith(UTF16_MARKS):   # whatever the csv module made of it
        return _refused(ExportFormat.csv, [_utf16()])
    if unreadable:
        return _refused(ExportFormat.csv, [unreadable])
    columns = [as_read(name).strip().lower() for name in header]
    # An empty header cell (a trailing comma) names no column: it is unknown, not a duplicate.
    refusals = [problem(c, "duplicate_column", "the column appears more than once")
                for i, c in enumerate(columns) if c and c in columns[:i]]
    refusals += [problem(c, "missing_column", "the export must have this column")
                 for c in REQUIRED_COLUMNS if c not in columns]
    if refusals:
        return _refused(ExportFormat.csv, refusals)
    unknown = [problem(c, "unknown_column", "not a column of the caseload export: its values are not read")
               if c else problem(f"(column {i + 1})", "unknown_column", "the header names no column here: "
                                 "its values are not read")
               for i, c in enumerate(columns) if c not in KNOWN_COLUMNS]
    return ExportFile(ExportFormat.csv, _csv_rows(reader, lines, columns, context), unknown)


def _refused(fmt: ExportFormat, problems: list[dict]) -> ExportFile:
    return ExportFile(fmt, iter(()), problems, refused=True)


def _csv_rows(reader, lines: RecordLines, columns: list[str], context: ExportContext) -> Iterator[ExportRow]:
    known = [c in KNOWN_COLUMNS for c in columns]
    while True:
        lines.start_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except RecordRunsOn as exc:   # the lines after it are read as rows again
            yield _unreadable(lines.first, lines.text(), "malformed_csv", str(exc))
            continue
        except (csv.Error, RecordTooLong) as exc:   # too long: as a JSONL line would be
            lines.finish_broken_record()
            kind = "record_too_long" if isinstance(exc, RecordTooLong) else "malformed_csv"
            yield _unreadable(lines.first, lines.text(), kind, str(exc))
            continue
        raw = lines.text()
        if not any(cell.strip() for cell in cells):
            continue  # a blank line holds no case
        if len(cells) != len(columns):
            yield _unreadable(lines.first, raw, "malformed_csv",
                              f"expected {len(columns)} fields as in the header, found {len(cells)}")
        elif not_utf8("".join(cells)):   # all of it: the raw text kept may be cut short
            yield _unreadable(lines.first, raw, "encoding", "the row is not valid UTF-8")
        else:
            cells_by_column = {c: v for c, v, k in zip(columns, cells, known) if k and v}
            yield ExportRow(lines.first, raw, from_csv_cells(cells_by_column, context))


def _jsonl_rows(first: str, handle: TextIO, context: ExportContext, number: int) -> Iterator[ExportRow]:
    """The rows from line `number` (the first that is not blank) on."""
    for number, text in enumerate(chain((first,), iter(lambda: read_line(handle), "")), start=number):
        raw = text[:RAW_KEPT_CHARS]
        if len(text) > MAX_RECORD_CHARS:
            yield _unreadable(number, raw, "record_too_long", f"the line is longer than {MAX_RECORD_CHARS} characters")
            continue
        if not text.strip():
            continue
        if not_utf8(text):
            yield _unreadable(number, raw, "encoding", "the line is not valid UTF-8")
            continue
        try:
            obj = jsonsafe.loads(text, unique_names=True)
        except jsonsafe.RepeatedName as exc:
            yield _unreadable(number, raw, "repeated_name", str(exc))
            continue
        except ValueError as exc:
            yield _unreadable(number, raw, "invalid_json", f"not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield _unreadable(number, raw, "not_an_object", "each line must be one JSON object")
            continue
        yield ExportRow(number, raw, from_json_object(obj, context))
