"""The provider API: each provider, with its own token (scope provider:<id>), sees and works only
its own provider referrals; an admin may act for any. The commissioner reads the overdue list.

    GET  /v1/provider-referrals[?status=]        overdue first, then oldest
    GET  /v1/provider-referrals/{id}
    POST /v1/provider-referrals/{id}/status         {"status", "reason"}
    POST /v1/provider-referrals/{id}/first-contact  {"contacted_on", "method"}
    POST /v1/provider-referrals/{id}/outcome-star   {"person_ref", "reading", "scores"}
    GET  /v1/overdue[?provider=]                     commissioner, admin

Errors are {"problems": [{"path", "type", "message"}]}; a refused status change (409) also
carries `allowed`, the statuses it may go to next.
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from pathways_shared.auth import RESPONSES, Caller, TokenStore, requiring, store_from_app
from pathways_shared.contracts.dates import IsoDate
from pathways_shared.contracts.lifecycle import ContactMethod, ReasonCode, StarReading, Status

from ..domain.lifecycle import IllegalTransition, ReasonRequired
from ..domain.outcome_star import InvalidScores, ReadingOutOfOrder
from ..service_layer.lifecycle import ProviderReferrals
from ..service_layer.lifecycle_rules import Conflict, InvalidInput, NotFound
from .api_docs import PROBLEMS, json_body, problem, unknown_provider


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    reason: ReasonCode | None = None


class FirstContact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contacted_on: IsoDate
    method: ContactMethod


class OutcomeStar(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_ref: str
    reading: StarReading
    scores: dict[str, Any]


def refused(exc: Exception) -> JSONResponse:
    """The answer for a change the service refused."""
    if isinstance(exc, NotFound):
        return problem(404, "provider_referral_id", "unknown_provider_referral", str(exc))
    if isinstance(exc, IllegalTransition):
        return problem(409, "status", "illegal_transition", str(exc), from_status=exc.from_status.value,
                       allowed=exc.allowed)
    if isinstance(exc, ReasonRequired):
        return problem(422, "reason", "reason_required", f"{exc}: one of {', '.join(r.value for r in ReasonCode)}")
    if isinstance(exc, InvalidScores):
        return JSONResponse({"problems": [{"path": f"scores.{f}", "type": "invalid_score", "message": m}
                                          for f, m in exc.problems]}, status_code=422)
    if isinstance(exc, InvalidInput):
        return problem(422, exc.field, "invalid_value", str(exc))
    if isinstance(exc, (Conflict, ReadingOutOfOrder)):
        return problem(409, "(request)", "conflict", str(exc))
    raise exc


async def parsed(request: Request, model: type[BaseModel]) -> BaseModel | JSONResponse:
    """The body as `model`, or a 422 naming every problem."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        return JSONResponse({"problems": [
            {"path": ".".join(str(p) for p in e["loc"]) or "(body)", "type": e["type"], "message": e["msg"]}
            for e in exc.errors()]}, status_code=422)


def provider_router(store_of: Callable[[Request], TokenStore] = store_from_app) -> APIRouter:
    router = APIRouter(tags=["provider referrals"], responses=RESPONSES)
    changes = {404: PROBLEMS, 409: PROBLEMS, 422: PROBLEMS}
    provider_or_admin = requiring(store_of, "admin", any_provider=True)
    commissioner = requiring(store_of, "commissioner")  # admin holds every scope

    def service(request: Request) -> ProviderReferrals:
        return request.app.state.notifier.referrals

    def acting_for(caller: Caller) -> frozenset[str] | None:
        return None if caller.is_admin else caller.providers

    async def who(svc: ProviderReferrals, caller: Caller, prid: uuid.UUID) -> str:
        """The role recorded for a change: "admin", or the provider whose referral it is."""
        if caller.is_admin:
            return "admin"
        return f"provider:{(await svc.get(caller.providers, prid, details=False)).provider}"

    async def change(request: Request, caller: Caller, provider_referral_id: str, model: type[BaseModel], act):
        prid = _uuid(provider_referral_id)
        body = await parsed(request, model)
        if isinstance(body, JSONResponse):
            return body
        svc = service(request)
        try:
            if prid is None:
                raise NotFound(f"no provider referral {provider_referral_id} here")
            view = await act(svc, acting_for(caller), prid, body, await who(svc, caller, prid))
        except (NotFound, IllegalTransition, ReasonRequired, InvalidScores, InvalidInput, Conflict,
                ReadingOutOfOrder) as exc:
            return refused(exc)
        return view.as_dict()

    @router.get("/v1/provider-referrals")
    async def list_referrals(request: Request, status: Status | None = None,
                             caller: Caller = Depends(provider_or_admin)) -> list[dict]:
        return [v.as_dict() for v in await service(request).list_for(acting_for(caller), status)]

    @router.get("/v1/provider-referrals/{provider_referral_id}", responses={404: PROBLEMS})
    async def get_referral(request: Request, provider_referral_id: str, caller: Caller = Depends(provider_or_admin)):
        prid = _uuid(provider_referral_id)
        try:
            if prid is None:
                raise NotFound(f"no provider referral {provider_referral_id} here")
            return (await service(request).get(acting_for(caller), prid)).as_dict()
        except NotFound as exc:
            return refused(exc)

    @router.post("/v1/provider-referrals/{provider_referral_id}/status", responses=changes,
                 openapi_extra=json_body(StatusChange))
    async def change_status(request: Request, provider_referral_id: str, caller: Caller = Depends(provider_or_admin)):
        return await change(request, caller, provider_referral_id, StatusChange,
                            lambda svc, p, prid, b, by: svc.change_status(p, prid, b.status, b.reason, by))

    @router.post("/v1/provider-referrals/{provider_referral_id}/first-contact", responses=changes,
                 openapi_extra=json_body(FirstContact))
    async def first_contact(request: Request, provider_referral_id: str, caller: Caller = Depends(provider_or_admin)):
        return await change(request, caller, provider_referral_id, FirstContact,
                            lambda svc, p, prid, b, by: svc.record_first_contact(p, prid, b.contacted_on, b.method, by))

    @router.post("/v1/provider-referrals/{provider_referral_id}/outcome-star", responses=changes,
                 openapi_extra=json_body(OutcomeStar))
    async def outcome_star(request: Request, provider_referral_id: str, caller: Caller = Depends(provider_or_admin)):
        return await change(request, caller, provider_referral_id, OutcomeStar,
                            lambda svc, p, prid, b, by: svc.record_star(p, prid, b.person_ref, b.reading,
                                                                        b.scores, by))

    @router.get("/v1/overdue", responses={422: PROBLEMS})
    async def overdue(request: Request, provider: str | None = None,
                      _caller: Caller = Depends(commissioner)) -> list[dict]:
        """Provider referrals past their first-contact due date, longest overdue first (no personal data)."""
        if why := unknown_provider(provider, request.app.state.notifier.channels):
            return problem(422, "query.provider", "unknown_provider", why)
        return [v.as_dict() for v in await service(request).overdue(provider)]

    return router


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
