"""What every inbox page shares: the signed-in visitor, the templates, and the answer headers."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from pathways_shared.auth import Caller, TokenStore

from ...adapters.router_client import RouterClient
from ...service_layer.lifecycle import ProviderReferrals
from .session import Session, Sessions

# No script may run and nothing may be framed; forms post only here. Pages hold personal data:
# never cached, never sent on in a Referer.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Visitor:
    session: Session
    caller: Caller
    providers: frozenset[str]   # the caller's providers that use the inbox


@dataclass
class Inbox:
    referrals: ProviderReferrals
    sessions: Sessions
    router: RouterClient
    names: dict[str, str]                 # provider id → display name
    inbox_providers: frozenset[str]       # providers whose rulebook channels include the inbox
    env: Environment

    @classmethod
    def create(cls, referrals, sessions, router, names, inbox_providers) -> "Inbox":
        env = Environment(loader=PackageLoader("pathways_notifier", "templates"),
                          autoescape=select_autoescape(default=True, default_for_string=True))
        return cls(referrals, sessions, router, names, frozenset(inbox_providers), env)

    def visitor(self, request: Request) -> Visitor | None:
        session = self.sessions.read(request)
        if session is None or not session.token:
            return None
        caller = tokens(request).caller(session.token)
        providers = caller.providers & self.inbox_providers if caller else frozenset()
        return Visitor(session, caller, providers) if providers else None

    def render(self, request: Request, template: str, status: int = 200, *, session: Session | None = None,
               visitor: Visitor | None = None, **context) -> HTMLResponse:
        session = session or (visitor.session if visitor else None)
        html = self.env.get_template(template).render(
            visitor=visitor, csrf=session.csrf if session else "", names=self.names,
            signed_in_as=", ".join(self.names.get(p, p) for p in sorted(visitor.providers)) if visitor else "",
            **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def message(self, request: Request, status: int, title: str, text: str, visitor: Visitor | None = None,
                link: tuple[str, str] | None = None) -> HTMLResponse:
        return self.render(request, "message.html", status, visitor=visitor, title=title, text=text, link=link)


def tokens(request: Request) -> TokenStore:
    return request.app.state.tokens


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def to_sign_in(request: Request) -> RedirectResponse:
    return see_other(f"/inbox/sign-in?next={quote(request.url.path)}")


def safe_next(value: object) -> str:
    """Only a path inside the inbox: never another site (an open redirect)."""
    if isinstance(value, str) and value.startswith("/inbox/") and not value.startswith("//"):
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc:
            return parts.path
    return "/inbox/referrals"
