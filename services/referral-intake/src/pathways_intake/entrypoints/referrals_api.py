"""The public intake API: submit a household referral, follow it, record consent changes.

Logs name a referral by its id only: never a name, date of birth, identifier or the document.
"""
from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict

from pathways_shared.contracts.referral_parsing import ReferralInvalid, parse_referral
from pathways_shared.contracts.referral_v1 import PersonRef
from pathways_shared.contracts.vocabulary import Consent

from ..bootstrap import Intake
from ..domain.referrals import ConcurrentChange, PersonNotInReferral, ReferralNotFound
from ..service_layer.intake import Submission
from .problems import problem, problems

log = logging.getLogger("pathways_intake")
SUBMISSIONS = Counter("pathways_intake_submissions_total", "Referral submissions by outcome", ["outcome"])
router = APIRouter(prefix="/v1/referrals", tags=["referrals"])
PROBLEMS = {"description": "{\"problems\": [{\"path\", \"type\", \"message\"}, ...]}"}


class ConsentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_ref: PersonRef
    consent: Consent


def current_intake(request: Request) -> Intake:
    return request.app.state.intake


def known_id(referral_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(referral_id)
    except ValueError:
        return None  # cannot name a referral, so it is simply unknown


def not_found(referral_id: str) -> JSONResponse:
    return problem(404, "referral_id", "unknown_referral", f"no referral {referral_id} was accepted here")


def _link(referral_id: uuid.UUID) -> str:
    return f"{router.prefix}/{referral_id}"


@router.post("", status_code=202, openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/HouseholdReferral"}}}}},
        responses={200: {"description": "Already accepted with the same content"}, 409: PROBLEMS,
                   413: PROBLEMS, 422: PROBLEMS})
async def submit_referral(request: Request, intake: Intake = Depends(current_intake)) -> JSONResponse:
    """Accept a v1 household referral (../shared/contracts/household-referral-v1.md). Sending the
    same referral_id again is safe: the same content answers 200, different content 409."""
    try:  # the raw body, so that every problem is found, not only the first pydantic meets
        referral = parse_referral(await request.body())
    except ReferralInvalid as invalid:
        SUBMISSIONS.labels("invalid").inc()
        return problems(422, [p.as_dict() for p in invalid.problems])
    submitted = await intake.service.submit_referral(referral)
    SUBMISSIONS.labels(submitted.outcome.value).inc()
    referral_id = submitted.referral_id
    log.info("referral submission handled", extra={"referral_id": str(referral_id),
                                                   "outcome": submitted.outcome.value})
    if submitted.outcome is Submission.conflict:
        return problem(409, "referral_id", "referral_id_conflict",
                       f"referral {referral_id} was already accepted with different content; "
                       "nothing was changed (send a new referral_id for a new referral)",
                       referral_id=str(referral_id))
    if submitted.outcome is Submission.accepted:
        intake.relay.wake()
    body = {"referral_id": str(referral_id), "status": "submitted", "links": {"self": _link(referral_id)}}
    status = 202 if submitted.outcome is Submission.accepted else 200
    return JSONResponse(body, status_code=status, headers={"Location": _link(referral_id)})


@router.get("/{referral_id}", responses={404: PROBLEMS})
async def referral_status(referral_id: str, intake: Intake = Depends(current_intake)):
    """Status (submitted, routed, delivered, delivery_failed), the routing decisions naming people
    by person_ref, and each provider referral's delivery."""
    found = known_id(referral_id)
    status = await intake.service.referral_status(found) if found else None
    return status if status is not None else not_found(referral_id)


@router.patch("/{referral_id}/consent", status_code=202, responses={
        200: {"description": "Consent was already recorded so; nothing changed"}, 400: PROBLEMS, 404: PROBLEMS,
        422: PROBLEMS})
async def record_consent(referral_id: str, change: ConsentChange, intake: Intake = Depends(current_intake)):
    """Record a person's consent: the index person's to contact their family, or a family
    member's own. A change makes a new revision, which is routed again."""
    found = known_id(referral_id)
    if found is None:
        return not_found(referral_id)
    try:
        outcome = await intake.service.record_consent(found, change.person_ref, change.consent)
    except ReferralNotFound:
        return not_found(referral_id)
    except PersonNotInReferral:
        return problem(422, "person_ref", "unknown_person_ref", "person_ref names nobody in this referral")
    except ConcurrentChange:
        return problem(409, "referral_id", "concurrent_change", "the referral is changing; try again")
    if outcome.changed:
        intake.relay.wake()
        log.info("consent recorded", extra={"referral_id": str(found), "revision": outcome.revision})
    body = {"referral_id": str(found), "revision": outcome.revision, "person_ref": change.person_ref,
            "consent": change.consent.value, "links": {"self": _link(found)}}
    return JSONResponse(body, status_code=202 if outcome.changed else 200)
