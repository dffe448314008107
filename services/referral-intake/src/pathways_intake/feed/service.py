"""Feeding a caseload export: every row applied as a case or quarantined, a chunk per transaction.

A chunk's cases, its quarantined rows and the settling of earlier rejections commit together, so
an interrupted feed leaves whole chunks behind and feeding the same export again finishes the job.
"""
from __future__ import annotations

import asyncio
import io
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import BinaryIO

from ..service_layer.cases import apply_cases_on
from ..service_layer.intake import IntakeService
from . import batches, quarantine
from .format import ExportFormat
from .parser import ExportRow, read_export
from .rows import ExportContext, problem
from .summary import BatchSummary

CAUSE = "caseload_export"
CHUNK_ROWS = 500
_MEMBER_REF = re.compile(r"\[[^\]]*\]")


def text_of(binary: BinaryIO) -> io.TextIOWrapper:
    """How an export's bytes are read: UTF-8 (a byte-order mark is fine), bad bytes flagged not fatal."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")


@dataclass
class CaseloadFeed:
    service: IntakeService
    chunk_rows: int = CHUNK_ROWS

    async def feed(self, binary: BinaryIO, fmt: ExportFormat, context: ExportContext, *,
                   source_name: str | None = None) -> BatchSummary:
        fmt = ExportFormat(fmt)
        export = read_export(text_of(binary), fmt, context)
        summary = BatchSummary(uuid.uuid4(), source_name, fmt.value, context.exported_at, datetime.now(UTC),
                               file_problems=list(export.file_problems))
        engine = self.service.engine
        await batches.start(engine, summary, context.organisation)
        if export.refused:
            summary.status = "refused"
            await batches.finish(engine, summary.checked())
            return summary
        # Rows are parsed off the event loop (the API stays live), the next chunk while this one is
        # applied: at most two chunks are held at a time.
        take = lambda: list(islice(export.rows, self.chunk_rows))  # noqa: E731
        ahead = asyncio.ensure_future(asyncio.to_thread(take))
        try:
            while chunk := await ahead:
                ahead = asyncio.ensure_future(asyncio.to_thread(take))
                await self._apply(summary, chunk)
        except BaseException:
            summary.status = "failed"  # the chunks committed so far stand; the count says how far it got
            await asyncio.shield(batches.finish(engine, summary.checked()))
            raise
        finally:
            await asyncio.gather(ahead, return_exceptions=True)  # never leave the reader running
        summary.status = "completed"
        await batches.finish(engine, summary.checked())
        return summary

    async def _apply(self, summary: BatchSummary, chunk: list[ExportRow]) -> None:
        keys = {row.line: row.result.referral_id for row in chunk if row.result.referral_id is not None}
        async with self.service.engine.begin() as conn:
            earlier = await batches.first_lines(conn, summary.batch_id, list(set(keys.values())))
            accepted, rejected, cases = [], [], []
            for row in chunk:
                referral_id, problems = keys.get(row.line), row.result.problems
                if referral_id is not None and referral_id in earlier:
                    problems = [*problems, problem("crn", "duplicate_crn", f"the same CRN is on line "
                                                   f"{earlier[referral_id]}; only a case's first row is applied")]
                elif referral_id is not None:
                    earlier[referral_id] = row.line
                    if problems:
                        cases.append(_case(referral_id, row.line, "rejected"))
                if problems:
                    rejected.append({"line": row.line, "referral_id": referral_id, "raw": row.raw,
                                     "problems": problems})
                else:
                    accepted.append(row)
            results = await apply_cases_on(conn, self.service, [r.result.referral for r in accepted], cause=CAUSE)
            cases += [_case(res.referral_id, row.line, res.outcome.value, list(res.changed_fields) or None)
                      for row, res in zip(accepted, results)]
            await batches.record_cases(conn, summary.batch_id, cases)
            await quarantine.quarantine(conn, summary.batch_id, rejected)
            await quarantine.settle_cases(conn, [res.referral_id for res in results],
                                          settled_by=str(summary.batch_id), except_batch=summary.batch_id)
        summary.rows_read += len(chunk)
        summary.rejected += len(rejected)
        for res in results:
            setattr(summary, res.outcome.value, getattr(summary, res.outcome.value) + 1)
            # Counted by field, not by person: family members' refs are folded together.
            summary.changed_fields.update({_MEMBER_REF.sub("[]", name) for name in res.changed_fields})


def _case(referral_id: uuid.UUID, line: int, outcome: str, changed: list[str] | None = None) -> dict:
    return {"referral_id": referral_id, "line": line, "outcome": outcome, "changed_fields": changed}
