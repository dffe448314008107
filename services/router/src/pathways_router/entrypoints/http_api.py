"""The router's HTTP API: the triage queue, providers' capacity, and onward referrals.

Every error answer has the shape {"problems": [{"path", "type", "message"}, ...]}, as the intake's.
"""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.exceptions import HTTPException

from pathways_shared.auth import RESPONSES, Caller, TokenStore, authenticated, requiring, store_from_app
from pathways_shared.contracts.referral_v1 import PersonRef
from pathways_shared.http import BodyLimit, single_valued_query, validation_problems

from ..adapters import repository as repo
from ..domain.onward import OnwardReason
from ..domain.outcomes import Capacity
from ..service_layer import capacity as capacities
from ..service_layer.onward import OnwardRefused, ParentNotFound, refer_onward

# Every route here needs a token, and refuses a repeated query parameter (checked on this router,
# not on the app, so that any app serving these routes checks it).
router = APIRouter(prefix="/v1", responses=RESPONSES, dependencies=[Depends(single_valued_query)])
PROBLEMS = {"description": "{\"problems\": [{\"path\", \"type\", \"message\"}, ...]}"}
MAX_BODY_BYTES = 64 * 1024  # far above any capacity change or onward referral (at most 50 person_refs)
ProviderId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]


class OnwardReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: ProviderId
    person_refs: list[PersonRef] = Field(min_length=1, max_length=50)
    reason: OnwardReason

    @field_validator("person_refs")
    @classmethod
    def _once_each(cls, refs: list[str]) -> list[str]:
        if len(set(refs)) != len(refs):
            raise ValueError("each person_ref may be named once")
        return refs


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    capacity: Capacity


def problems(status: int, items: list[dict], **extra) -> JSONResponse:
    return JSONResponse({**extra, "problems": items}, status_code=status)


def current(request: Request):
    return request.app.state.router


@router.get("/triage", dependencies=[Depends(requiring(store_from_app, "commissioner"))])
async def triage(r=Depends(current)) -> list[dict]:
    """Review decisions waiting for a person to decide, oldest first (person_refs and pseudonyms only)."""
    async with r.engine.connect() as conn:
        rows = await repo.open_triage(conn)
    return [{**row, "referral_id": str(row["referral_id"]), "queued_at": row["queued_at"].isoformat()} for row in rows]


@router.get("/providers", dependencies=[Depends(authenticated(store_from_app))])
async def providers(r=Depends(current)) -> list[dict]:
    """Each provider's capacity now, and the one its rulebook entry declares."""
    return await capacities.providers(r.service)


@router.put("/providers/{provider}/capacity", responses={400: PROBLEMS, 403: PROBLEMS, 404: PROBLEMS, 422: PROBLEMS})
async def set_capacity(provider: str, body: CapacityIn, r=Depends(current),
                       caller: Caller = Depends(requiring(store_from_app, "admin", any_provider=True))) -> dict:
    """Set a provider's capacity (its own token, or admin). Going to a capacity that routes held
    decisions raises them, oldest first; `released` lists those provider referrals."""
    if not (caller.is_admin or provider in caller.providers):
        raise HTTPException(403, f"only provider:{provider} or admin may set {provider}'s capacity")
    try:
        change = await capacities.change_capacity(r.service, provider, body.capacity, caller.name)
    except capacities.UnknownProvider:
        return problems(404, [{"path": "provider", "type": "unknown_provider", "message": f"no provider {provider!r}"}])
    if change.changed:
        r.relay.wake()
    return {"provider": provider, "previous": change.previous.value, "capacity": change.capacity.value,
            "changed": change.changed, "released": [str(i) for i in change.released]}


@router.post("/provider-referrals/{provider_referral_id}/onward-referrals", status_code=201,
             responses={400: PROBLEMS, 403: PROBLEMS, 404: PROBLEMS, 409: PROBLEMS, 422: PROBLEMS})
async def onward_referral(provider_referral_id: str, body: OnwardReferralIn, r=Depends(current),
                          caller: Caller = Depends(requiring(store_from_app, "admin", any_provider=True))):
    """Refer persons of the household onward to another provider (POLICY.md §4). The receiving
    provider's clauses decide; a person with an open referral there is a duplicate presentation."""
    unknown = problems(404, [{"path": "provider_referral_id", "type": "unknown_provider_referral",
                              "message": f"no provider referral {provider_referral_id} of yours"}])
    try:
        parent_id = uuid.UUID(provider_referral_id)
    except ValueError:
        return unknown  # cannot name a provider referral, so it is simply unknown
    try:
        done = await refer_onward(r.service, caller, parent_id, body.provider, body.person_refs, body.reason)
    except ParentNotFound:
        return unknown
    except OnwardRefused as refused:
        return problems(refused.status, refused.problems, decisions=refused.decisions)
    r.relay.wake()
    duplicates = [{"person_ref": d.person_ref, "open_provider_referral_id": str(d.open_provider_referral_id)}
                  for d in done.duplicates]
    if done.raised is None:
        return problems(409, [{"path": "person_refs", "type": "duplicate_presentation",
                               "message": f"{d['person_ref']} already has an open {body.provider} referral "
                                          f"{d['open_provider_referral_id']}; recorded as a duplicate presentation"}
                              for d in duplicates], duplicates=duplicates)
    p = done.raised
    return JSONResponse(status_code=201, content={
        "provider_referral_id": str(p.provider_referral_id), "parent_provider_referral_id": str(parent_id),
        "referral_id": str(p.referral_id), "provider": p.provider, "source": done.source,
        "onward_reason": done.reason.value, "capacity": p.capacity.value, "waitlisted": p.waitlisted,
        "persons": [{k: c[k] for k in ("person_ref", "role", "decision", "clause")} for c in done.persons],
        "duplicates": duplicates})


def attach(app: FastAPI, routed, tokens: TokenStore) -> None:
    """Serve this API from `app` for the composed router `routed` (bootstrap.Router)."""
    app.state.router, app.state.tokens = routed, tokens
    app.include_router(router)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    app.add_exception_handler(RequestValidationError, validation_problems)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        response = problems(exc.status_code, [{"path": "(request)", "type": f"http_{exc.status_code}",
                                               "message": str(exc.detail)}])
        response.headers.update(dict(exc.headers or {}))
        return response
