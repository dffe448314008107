"""The inbox pages a provider reads: sign in and out, the list by status, one referral."""
from __future__ import annotations

import uuid
from importlib.resources import files

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from pathways_router.domain.onward import OnwardReason
from pathways_shared.contracts.lifecycle import STAR_FACTORS, ContactMethod, ReasonCode, StarReading, Status

from ...service_layer.lifecycle_rules import NotFound
from .context import Inbox, Visitor, safe_next, see_other, to_sign_in, tokens
from .session import csrf_ok

# Open work first, in the order it moves; then the closed.
STATUS_ORDER = [Status.requested, Status.accepted, Status.in_progress, Status.on_hold,
                Status.completed, Status.rejected, Status.cancelled, Status.failed]
DONE = {"contact": "First contact recorded.", "star": "Outcomes Star reading recorded."}


def inbox_pages(inbox: Inbox) -> APIRouter:
    router = APIRouter(prefix="/inbox", include_in_schema=False)

    @router.get("")
    async def home() -> Response:
        return see_other("/inbox/referrals")

    @router.get("/inbox.css")
    async def stylesheet() -> Response:
        css = (files("pathways_notifier") / "templates" / "inbox.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @router.get("/sign-in")
    async def sign_in_form(request: Request, next: str = "/inbox/referrals") -> HTMLResponse:
        session = inbox.sessions.read(request)
        session = session if session and not session.token else inbox.sessions.fresh()
        response = inbox.render(request, "sign_in.html", session=session, next=safe_next(next), error=None)
        inbox.sessions.write(response, session)
        return response

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await request.form()
        session = inbox.sessions.read(request)
        if not csrf_ok(session, form.get("csrf_token")):
            return inbox.message(request, 403, "Sign-in form expired",
                                 "The sign-in form had expired or did not come from this site.",
                                 link=("/inbox/sign-in", "Try signing in again"))
        token = str(form.get("token") or "").strip()
        caller = tokens(request).caller(token) if token else None
        error = None
        if caller is None:
            error = "That token is not recognised, or has been revoked. Paste your service's token."
        elif not caller.providers:
            error = "That token is not a provider's token. Sign in with your service's token."
        elif not caller.providers & inbox.inbox_providers:
            error = "Your service does not use the inbox: its referrals reach you by webhook or email."
        if error:
            return inbox.render(request, "sign_in.html", 401, session=session, next=safe_next(form.get("next")),
                                error=error)
        response = see_other(safe_next(form.get("next")))
        inbox.sessions.write(response, inbox.sessions.fresh(token))
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(inbox.sessions.read(request), form.get("csrf_token")):
            return inbox.message(request, 403, "Sign-out refused", "That form did not come from this site.")
        response = see_other("/inbox/sign-in")
        inbox.sessions.clear(response)
        return response

    @router.get("/referrals")
    async def referrals(request: Request, status: str = "") -> Response:
        visitor = inbox.visitor(request)
        if visitor is None:
            return to_sign_in(request)
        chosen = Status(status) if status in {s.value for s in Status} else None
        views = await inbox.referrals.list_for(visitor.providers, chosen, details=False)
        groups = [(s, [v for v in views if v.status is s]) for s in STATUS_ORDER]
        return inbox.render(request, "referrals.html", visitor=visitor, title="Referrals", statuses=STATUS_ORDER,
                            chosen=chosen, groups=[g for g in groups if g[1]], total=len(views),
                            overdue=sum(v.overdue for v in views))

    @router.get("/referrals/{provider_referral_id}")
    async def referral(request: Request, provider_referral_id: str, done: str = "", to: str = "",
                       new: str = "") -> Response:
        visitor = inbox.visitor(request)
        if visitor is None:
            return to_sign_in(request)
        return await referral_page(inbox, request, visitor, provider_referral_id, notice=notice(done, to, new, inbox.names))

    return router


async def referral_page(inbox: Inbox, request: Request, visitor: Visitor, provider_referral_id: str,
                        status: int = 200, *, errors: dict | None = None, values: dict | None = None,
                        notice: str | None = None) -> Response:
    """One referral with its forms; the actions show it again with their validation messages."""
    try:
        view = await inbox.referrals.get(visitor.providers, uuid.UUID(provider_referral_id))
    except (ValueError, NotFound):
        return inbox.message(request, 404, "Referral not found",
                             "There is no referral with that number in your inbox.", visitor,
                             ("/inbox/referrals", "Back to your referrals"))
    return inbox.render(request, "referral.html", status, visitor=visitor, title=f"Referral {view.provider_referral_id}",
                        r=view, errors=errors or {}, values=values or {}, notice=notice,
                        reasons=list(ReasonCode), methods=list(ContactMethod), readings=list(StarReading),
                        factors=STAR_FACTORS, onward_reasons=list(OnwardReason), today=inbox.referrals.today(),
                        onward_to=[(p, n) for p, n in inbox.names.items() if p != view.provider])


def notice(done: str, to: str, new: str, names: dict[str, str]) -> str | None:
    """A fixed message for the action just done: nothing from the query is shown unchecked."""
    if done == "status" and to in {s.value for s in Status}:
        return f"Status changed to {to}."
    if done == "onward" and to in names:
        try:
            return f"Referred onward to {names[to]}: new provider referral {uuid.UUID(new)}."
        except ValueError:
            return None
    return DONE.get(done)
