"""The inbox's forms: change status (accept, reject with a reason, close with an outcome), record
first contact and Outcomes Star readings, refer onward through the router. Each checks the session
and its CSRF token first; a refusal shows the referral again with the reason beside the form."""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from pathways_router.domain.onward import OnwardReason
from pathways_shared.contracts.dates import written_date
from pathways_shared.contracts.lifecycle import STAR_FACTORS, ContactMethod, ReasonCode, StarReading, Status

from ...adapters.router_client import RouterUnavailable
from ...domain.lifecycle import IllegalTransition, ReasonRequired
from ...domain.outcome_star import InvalidScores, ReadingOutOfOrder
from ...service_layer.lifecycle_rules import Conflict, InvalidInput, NotFound
from .context import Inbox, see_other
from .pages import referral_page
from .session import csrf_ok

REFUSED = (IllegalTransition, ReasonRequired, InvalidScores, ReadingOutOfOrder, Conflict, InvalidInput)


class Invalid(ValueError):
    """A form value that cannot be used; the message is shown beside the form."""


def inbox_actions(inbox: Inbox) -> APIRouter:
    router = APIRouter(prefix="/inbox/referrals/{provider_referral_id}", include_in_schema=False)

    async def act(request: Request, provider_referral_id: str, form_name: str, work) -> Response:
        visitor = inbox.visitor(request)
        form = await request.form()
        if visitor is None:
            return inbox.message(request, 401, "Signed out", "Your sign-in has ended. Sign in and try again.",
                                 link=(f"/inbox/sign-in?next=/inbox/referrals/{provider_referral_id}", "Sign in"))
        if not csrf_ok(visitor.session, form.get("csrf_token")):
            return inbox.message(request, 403, "Form refused", "That form had expired or did not come from this "
                                 "site. Open the referral again and repeat what you did.", visitor,
                                 (f"/inbox/referrals/{provider_referral_id}", "Open the referral again"))
        try:
            prid = uuid.UUID(provider_referral_id)
            held = await inbox.referrals.get(visitor.providers, prid, details=False)
        except (ValueError, NotFound):
            return await referral_page(inbox, request, visitor, provider_referral_id)  # its "not found" page
        try:
            query = await work(visitor, held, form)
        except (Invalid, *REFUSED) as exc:
            return await referral_page(inbox, request, visitor, provider_referral_id, 422,
                                       errors={form_name: _message(exc)}, values={form_name: _typed(form)})
        except RouterUnavailable as exc:
            return await referral_page(inbox, request, visitor, provider_referral_id, 503,
                                       errors={form_name: f"{exc}; try again in a few minutes."})
        return see_other(f"/inbox/referrals/{prid}?{urlencode(query)}")

    @router.post("/status")
    async def change_status(request: Request, provider_referral_id: str) -> Response:
        async def work(visitor, held, form):
            to = _choice(form.get("status"), Status, "Choose the new status.")
            reason = _choice(form.get("reason"), ReasonCode, "Choose a reason from the list.") if form.get("reason") else None
            await inbox.referrals.change_status(visitor.providers, held.provider_referral_id, to, reason,
                                                f"provider:{held.provider}")
            return {"done": "status", "to": to.value}
        return await act(request, provider_referral_id, "status", work)

    @router.post("/first-contact")
    async def first_contact(request: Request, provider_referral_id: str) -> Response:
        async def work(visitor, held, form):
            contacted_on = written_date(form.get("contacted_on"))
            if contacted_on is None:
                raise Invalid("Enter the date of first contact, as year-month-day.")
            method = _choice(form.get("method"), ContactMethod, "Choose how contact was made.")
            await inbox.referrals.record_first_contact(visitor.providers, held.provider_referral_id, contacted_on,
                                                       method, f"provider:{held.provider}")
            return {"done": "contact"}
        return await act(request, provider_referral_id, "contact", work)

    @router.post("/outcome-star")
    async def outcome_star(request: Request, provider_referral_id: str) -> Response:
        async def work(visitor, held, form):
            reading = _choice(form.get("reading"), StarReading, "Choose which reading this is.")
            person_ref = str(form.get("person_ref") or "")
            scores = {factor: _score(form.get(f"score_{factor}")) for factor in STAR_FACTORS}
            await inbox.referrals.record_star(visitor.providers, held.provider_referral_id, person_ref, reading,
                                              scores, f"provider:{held.provider}")
            return {"done": "star"}
        return await act(request, provider_referral_id, "star", work)

    @router.post("/onward")
    async def onward(request: Request, provider_referral_id: str) -> Response:
        async def work(visitor, held, form):
            provider = str(form.get("provider") or "")
            if provider not in inbox.names or provider == held.provider:
                raise Invalid("Choose the service to refer to.")
            person_refs = [str(p) for p in form.getlist("person_refs")]
            if not person_refs:
                raise Invalid("Tick at least one person to refer.")
            reason = _choice(form.get("reason"), OnwardReason, "Choose why you are referring onward.")
            answer = await inbox.router.refer_onward(visitor.session.token, held.provider_referral_id, provider,
                                                     person_refs, reason.value)
            if answer.created is None:
                raise Invalid(" ".join(["The referral was not made:", *answer.problems]))
            return {"done": "onward", "to": provider, "new": answer.created.get("provider_referral_id", "")}
        return await act(request, provider_referral_id, "onward", work)

    return router


def _typed(form) -> dict:
    """What was sent, to fill the form again (the one list field as a list)."""
    return {**{k: v for k, v in form.items() if k != "csrf_token"}, "person_refs": form.getlist("person_refs")}


def _choice(value, kind, problem: str):
    try:
        return kind(str(value or ""))
    except ValueError:
        raise Invalid(problem) from None


def _score(value) -> int | str:
    """A whole number when it is one; anything else goes to the service, which names the factor."""
    text = str(value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else text


def _message(exc: Exception) -> str:
    if isinstance(exc, InvalidScores):
        return "; ".join(f"{factor.replace('_', ' ')}: {problem}" for factor, problem in exc.problems)
    if isinstance(exc, ReasonRequired):
        return f"Choose a reason: one is needed to move a referral to {exc.to_status}."
    return str(exc)
