"""The probation caseload feed over HTTP: upload an export, read a batch and its rejection report,
send a corrected row for a rejected line (docs/probation-caseload.md).

Answers and logs name rows by line and fields by column, never a value from a row.
"""
from __future__ import annotations

import logging
import tempfile
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from pathways_shared import jsonsafe
from pathways_shared.contracts.referral_v1 import ReferredAt
from pathways_shared.http import BodyLimit

from ..bootstrap import Intake
from ..feed import batches, resubmission
from ..feed.format import ExportFormat
from ..feed.report import csv_report, json_report, rejection_list
from ..feed.rows import ExportContext
from ..feed.service import CaseloadFeed
from ..feed.upload import CONTENT_TYPES, CaseloadLimits, UploadRefused, receive_export
from .problems import problem, problems
from .referrals_api import PROBLEMS, current_intake

log = logging.getLogger("pathways_intake")
router = APIRouter(prefix="/v1/probation", tags=["probation caseload feed"])
OUTCOMES = ("created", "updated", "unchanged", "rejected")
REJECTIONS_IN_ANSWER = 1000   # the rest are in the batch's rejection report
SPOOL_IN_MEMORY = 1024 * 1024


class CaseloadBodyLimit:
    """The intake's body limit, except for caseload uploads, which may be far larger."""

    def __init__(self, app, limit: int):
        self.general, self.caseload = BodyLimit(app, limit), BodyLimit(app, CaseloadLimits().max_bytes)

    async def __call__(self, scope, receive, send):
        upload = scope["type"] == "http" and scope["path"] == f"{router.prefix}/caseload"
        await (self.caseload if upload else self.general)(scope, receive, send)


def _links(batch_id: uuid.UUID) -> dict:
    here = f"{router.prefix}/batches/{batch_id}"
    return {"self": here, "rejections": f"{here}/rejections"}


@router.post("/caseload", responses={400: PROBLEMS, 415: PROBLEMS, 422: PROBLEMS}, openapi_extra={"requestBody": {"content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "format": {"type": "string"},
            "organisation": {"type": "string"}}}},
        **{kind: {"schema": {"type": "string"}} for kind in CONTENT_TYPES}}}})
async def feed_caseload(request: Request, format: ExportFormat | None = None,
                        organisation: str | None = Query(None, max_length=batches.ORGANISATION_MAX_CHARS),
                        exported_at: ReferredAt | None = None, intake: Intake = Depends(current_intake)):
    """Feed a caseload export: a multipart upload (field `file`), or the export itself as the body
    (text/csv or application/x-ndjson). Answers the batch summary and its first rejections."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        try:
            export = await receive_export(request, spool, format, organisation)
        except UploadRefused as refused:
            return problem(refused.status, refused.path, refused.kind, str(refused))
        try:   # before the batch is recorded: nothing is written
            organisation = batches.export_organisation(export.organisation)
        except batches.OrganisationRefused as refused:
            return problem(422, "organisation", refused.kind, str(refused))
        context = ExportContext(exported_at or datetime.now(UTC), organisation, intake.service.pseudonym_key)
        summary = await CaseloadFeed(intake.service).feed(export.binary, export.format, context,
                                                          source_name=export.name)
    if summary.created or summary.updated:
        intake.relay.wake()
    log.info("caseload export fed", extra={"batch_id": str(summary.batch_id), "batch_status": summary.status,
                                           **{f"rows_{k}": getattr(summary, k) for k in OUTCOMES}})
    body = {**summary.as_dict(), "links": _links(summary.batch_id)}
    if summary.status == "refused":
        return problems(422, [{"path": p["field"], "type": p["type"], "message": p["reason"]}
                              for p in summary.file_problems], batch=body)
    body["rejections"] = await rejection_list(intake.engine, summary.batch_id, REJECTIONS_IN_ANSWER)
    body["rejections_complete"] = summary.rejected <= REJECTIONS_IN_ANSWER
    return JSONResponse(body)


def _unknown_batch(batch_id: str) -> JSONResponse:
    return problem(404, "batch_id", "unknown_batch", f"no caseload batch {batch_id} was fed here")


def _batch_id(batch_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(batch_id)
    except ValueError:
        return None


@router.get("/batches/{batch_id}", responses={404: PROBLEMS})
async def batch(batch_id: str, intake: Intake = Depends(current_intake)):
    """The batch's summary, and how many of its rejections are open, resubmitted or resolved."""
    found = await batches.load(intake.engine, known) if (known := _batch_id(batch_id)) else None
    if found is None:
        return _unknown_batch(batch_id)
    return {**found.summary.as_dict(), "rejection_status": found.rejections, "links": _links(known)}


@router.get("/batches/{batch_id}/rejections", responses={404: PROBLEMS})
async def rejections(batch_id: str, format: str = Query("json", pattern="^(csv|json)$"),
                     status: str | None = Query(None, pattern="^(open|resubmitted|resolved)$"),
                     intake: Intake = Depends(current_intake)):
    """The rejection report: each rejected line's problems by export column (CSV: one per line)."""
    found = await batches.load(intake.engine, known) if (known := _batch_id(batch_id)) else None
    if found is None:
        return _unknown_batch(batch_id)
    if format == "csv":
        return StreamingResponse(csv_report(intake.engine, found.summary, status), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="rejections-{known}.csv"'})
    return StreamingResponse(json_report(intake.engine, found.summary, status), media_type="application/json")


@router.post("/batches/{batch_id}/rejections/{line}", responses={404: PROBLEMS, 409: PROBLEMS, 422: PROBLEMS},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object", "description": "the corrected row"}}}}})
async def resubmit(batch_id: str, line: int, request: Request, intake: Intake = Depends(current_intake)):
    """Send the corrected row for a rejected line: an object of column → value for a CSV batch, or
    the JSONL object for a JSONL batch. Applied as the export would have been; the rejection is
    then marked resubmitted. A row still wrong, or for another case than the rejected row named,
    changes nothing and answers its problems (422); a settled rejection takes no row (409)."""
    try:
        row = jsonsafe.loads(await request.body(), unique_names=True)
    except jsonsafe.RepeatedName as exc:
        return problem(422, "(body)", "repeated_name", str(exc))
    except ValueError:
        row = None
    if not isinstance(row, dict):
        return problem(422, "(body)", "not_an_object", "send the corrected row as one JSON object")
    try:
        done = await resubmission.resubmit(intake.service, known, line, row) if (known := _batch_id(batch_id)) \
            else None
    except resubmission.RejectionNotFound:
        done = None
    except resubmission.RejectionSettled as settled:
        return problem(409, "line", "rejection_settled", str(settled), line=line, rejection_status=settled.status)
    if done is None:
        return problem(404, "line", "unknown_rejection", f"no rejected line {line} in batch {batch_id}")
    if done.problems:
        return problems(422, [{"path": p["field"], "type": p["type"], "message": p["reason"]}
                              for p in done.problems], line=line, rejection_status=done.status)
    intake.relay.wake()
    return done.as_dict()


@router.post("/batches/{batch_id}/rejections/{line}/resolve", responses={404: PROBLEMS})
async def resolve(batch_id: str, line: int, intake: Intake = Depends(current_intake)):
    """Settle a rejected line without resubmitting it (a person decided it needs nothing more).
    A line already settled keeps its status and answers it."""
    try:
        status = await resubmission.resolve(intake.service, known, line) if (known := _batch_id(batch_id)) \
            else None
    except resubmission.RejectionNotFound:
        status = None
    if status is None:
        return problem(404, "line", "unknown_rejection", f"no rejected line {line} in batch {batch_id}")
    return {"line": line, "status": status}
