"""The report's HTTP API: the monthly report (commissioner) and a person's pathway.

`GET /v1/reports/monthly?month=YYYY-MM&format=json|html|csv&table=NAME&variant=published|internal`:
the published variant needs the commissioner (or admin) scope; the internal, unsuppressed variant
needs admin. `GET /v1/pathways/{person}`: a pseudonym (pp_…) or a provider referral id; commissioner.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pathways_shared.auth import Caller, requiring, store_from_app

from pathways_ledger.domain.pathways import NotTraceable
from pathways_ledger.domain.report.build import INTERNAL, PUBLISHED, CaseloadIdentityBroken
from pathways_ledger.domain.report.config import BadMonth, Month
from pathways_ledger.service_layer.reports import monthly_report, pathway, rendered

router = APIRouter()
commissioner = requiring(store_from_app, "commissioner")
_OBJECT = {"schema": {"type": "object"}}
PROBLEM = {"description": "A problem (RFC 9457)", "content": {"application/problem+json": _OBJECT}}
INVALID = {"description": "A parameter that cannot be used", "content": {"application/problem+json": _OBJECT,
                                                                          "application/json": _OBJECT}}
AS_FILES = {"content": {"text/html": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}}}


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


@router.get("/v1/reports/monthly", responses={200: AS_FILES, 409: PROBLEM, 422: INVALID})
async def monthly(request: Request, month: str = Query(..., description="YYYY-MM"),
                  format: str = Query("json", pattern="^(json|html|csv)$"), table: str | None = None,
                  variant: str = Query(PUBLISHED, pattern=f"^({PUBLISHED}|{INTERNAL})$"),
                  caller: Caller = Depends(commissioner)):
    if variant == INTERNAL and not caller.is_admin:
        raise HTTPException(403, "the internal, unsuppressed variant needs the admin scope")
    try:
        wanted = Month.parse(month)
    except BadMonth as exc:
        return _problem(422, "Bad month", str(exc))
    ledger = request.app.state.ledger
    try:
        report = await monthly_report(wanted, store=ledger.store, config=request.app.state.report_config,
                                      variant=variant)
    except CaseloadIdentityBroken as exc:
        return _problem(409, "Caseload does not reconcile", str(exc))
    files = rendered(report)
    if format == "html":
        return HTMLResponse(files["report.html"])
    if format == "csv":
        if f"{table}.csv" not in files:
            names = ", ".join(t.name for t in report.tables)
            return _problem(422, "Unknown table", f"table must be one of: {names}")
        return Response(files[f"{table}.csv"], media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{table}-{wanted}.csv"'})
    return Response(files["report.json"], media_type="application/json")


@router.get("/v1/pathways/{person}", responses={404: PROBLEM, 422: INVALID})
async def person_pathway(person: str, request: Request, caller: Caller = Depends(commissioner)):
    try:
        found = await pathway(person, store=request.app.state.ledger.store)
    except NotTraceable as exc:
        return _problem(422, "Not a person or provider referral", str(exc))
    if not found["chains"]:
        return _problem(404, "No pathway", f"no provider referrals found for {person}")
    return found
