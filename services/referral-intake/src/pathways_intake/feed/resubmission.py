"""A quarantined row, corrected and sent again for its line; or settled by a person without it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..service_layer.cases import CaseApplied, apply_cases_on
from ..service_layer.intake import IntakeService
from . import batches, quarantine
from .format import KNOWN_COLUMNS, ExportFormat
from .quarantine import RejectionStatus
from .rows import ExportContext, from_csv_cells, from_json_object, problem
from .service import CAUSE


class RejectionNotFound(LookupError):
    pass


class RejectionSettled(Exception):
    """The rejection is already resubmitted or resolved: a row sent for it now is not applied, since
    it could undo what settled it (the case accepted since, or a person's decision)."""

    def __init__(self, line: int, status: str):
        super().__init__(f"line {line} is already {status}; nothing was applied")
        self.status = status


@dataclass
class Resubmitted:
    line: int
    status: str
    applied: CaseApplied | None = None
    problems: list[dict] = field(default_factory=list)   # the corrected row is still wrong: nothing changed

    def as_dict(self) -> dict:
        body = {"line": self.line, "status": self.status}
        if self.applied is not None:
            body.update(referral_id=str(self.applied.referral_id), outcome=self.applied.outcome.value,
                        revision=self.applied.revision, changed_fields=list(self.applied.changed_fields))
        if self.problems:
            body["problems"] = self.problems
        return body


async def resubmit(service: IntakeService, batch_id: uuid.UUID, line: int, row: dict) -> Resubmitted:
    """Apply the corrected row (column → value for a CSV batch, the JSONL object for a JSONL one)
    as the batch would have; on success the rejection, and any other open one of the same case,
    is marked resubmitted. When the rejected row named a case (a usable CRN), the corrected row must
    be for that case. Raises RejectionNotFound, or RejectionSettled if it is no longer open."""
    found = await batches.load(service.engine, batch_id)
    async with service.engine.connect() as conn:
        rejected = await quarantine.rejection(conn, batch_id, line)
    if found is None or rejected is None:
        raise RejectionNotFound(f"no rejection at line {line} of batch {batch_id}")
    if rejected.status != RejectionStatus.open.value:
        raise RejectionSettled(line, rejected.status)
    summary = found.summary
    context = ExportContext(summary.exported_at, found.organisation, service.pseudonym_key)
    if summary.format == ExportFormat.csv.value:
        named = [(str(k).strip().lower(), k, v) for k, v in row.items()]   # as a header's names are read
        unknown = [problem(str(k), "unknown_column", "not a column of the caseload export")
                   for name, k, _ in named if name not in KNOWN_COLUMNS]
        twice = [problem(name, "duplicate_column", "the column appears more than once")
                 for i, (name, _, _) in enumerate(named) if name in {n for n, _, _ in named[:i]}]
        result = from_csv_cells({name: _cell(v) for name, _, v in named if name in KNOWN_COLUMNS}, context)
        result.problems[:0] = unknown + twice
    else:
        result = from_json_object(row, context)
    case = rejected.referral_id   # None when the rejected row had no usable CRN: any case will do
    if case is not None and result.referral_id is not None and result.referral_id != case:
        # The case is named by its id, as a success would name it, never by its CRN.
        result.problems.append(problem("crn", "other_case", f"line {line} was for case {case}; this CRN "
                                       "names another case (send that case's row; a new case comes in an export)"))
    if result.problems:
        return Resubmitted(line, rejected.status, problems=result.problems)
    settled_by = f"resubmission:{batch_id}:{line}"
    async with service.engine.begin() as conn:
        if not await quarantine.settle_line(conn, batch_id, line, RejectionStatus.resubmitted, settled_by):
            # Settled since it was read: leaving here undoes the transaction.
            raise RejectionSettled(line, (await quarantine.rejection(conn, batch_id, line)).status)
        [applied] = await apply_cases_on(conn, service, [result.referral], cause=CAUSE)
        await quarantine.settle_cases(conn, [applied.referral_id], settled_by=settled_by)
    return Resubmitted(line, RejectionStatus.resubmitted.value, applied)


async def resolve(service: IntakeService, batch_id: uuid.UUID, line: int) -> str:
    """A person settled the row without resubmitting it; its status after (a rejection already
    settled keeps its status: resolving it again changes nothing). Raises RejectionNotFound."""
    async with service.engine.begin() as conn:
        if await quarantine.settle_line(conn, batch_id, line, RejectionStatus.resolved, "resolved"):
            return RejectionStatus.resolved.value
        rejected = await quarantine.rejection(conn, batch_id, line)
    if rejected is None:
        raise RejectionNotFound(f"no rejection at line {line} of batch {batch_id}")
    return rejected.status


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)
