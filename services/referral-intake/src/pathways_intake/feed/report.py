"""The rejection report of a batch, as CSV (one line per problem) or JSON, written a page at a time.

It names rows by line number and fields by export column: never a value from the row, so it can
go back to whoever made the export without carrying anyone's details. A column's name is the
uploader's own text, though: in the CSV a cell a spreadsheet would run as a formula starts with a
quote (pathways_shared.csvsafe); the JSON keeps every text exactly.
"""
from __future__ import annotations

import io
import json
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared import csvsafe

from . import quarantine
from .summary import BatchSummary

CSV_COLUMNS = ("batch_id", "line", "status", "field", "type", "reason")
FLUSH_CHARS = 64 * 1024


def _rejection(row) -> dict:
    return {"line": row.line, "status": row.status, "problems": row.problems}


async def rejection_list(engine: AsyncEngine, batch_id: uuid.UUID, limit: int) -> list[dict]:
    found = []
    async for row in quarantine.rejections(engine, batch_id):
        if len(found) == limit:
            break
        found.append(_rejection(row))
    return found


async def csv_report(engine: AsyncEngine, summary: BatchSummary, status: str | None = None) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csvsafe.SpreadsheetWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for p in summary.file_problems:  # about the whole file, so no line
        writer.writerow((summary.batch_id, "", "file", p["field"], p["type"], p["reason"]))
    async for row in quarantine.rejections(engine, summary.batch_id, status):
        writer.writerows((summary.batch_id, row.line, row.status, p["field"], p["type"], p["reason"])
                         for p in row.problems)
        if buffer.tell() > FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def json_report(engine: AsyncEngine, summary: BatchSummary, status: str | None = None) -> AsyncIterator[str]:
    yield (f'{{"batch_id": "{summary.batch_id}", "file_problems": {json.dumps(summary.file_problems)}, '
           '"rejections": [')
    separator = "\n"
    async for row in quarantine.rejections(engine, summary.batch_id, status):
        yield separator + json.dumps(_rejection(row))
        separator = ",\n"
    yield "\n]}\n"


def check_report_dir(directory: Path) -> None:
    """Make `directory` if missing and prove a file can be written there, so that a feed whose
    reports could not be written is not started. Raises OSError."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory):   # permissions alone do not tell (root, read-only mounts)
        pass


async def write_reports(engine: AsyncEngine, summary: BatchSummary, directory: Path) -> list[Path]:
    """rejections.csv and rejections.json in `directory` (made if missing); returns their paths.
    Raises OSError."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, report in (("rejections.csv", csv_report), ("rejections.json", json_report)):
        path = directory / name
        with path.open("w", encoding="utf-8", newline="") as out:
            async for text in report(engine, summary):
                out.write(text)
        written.append(path)
    return written
