"""Who may call what, across the four services: every route of every app is called with no token,
an unknown token and each role's token, and answers 401, 403 or lets the caller in as ACCESS
declares. ACCESS must name every (method, path) the apps serve: a new endpoint without an entry
fails here until someone decides who may call it.

Roles: referrer, provider:pops, provider:tmuk, commissioner, admin, internal (pathways_shared.auth);
an admin token holds every scope, so admin is let in wherever any role is.
"""
from __future__ import annotations

import re

import httpx
import pytest

import security_apps
from security_apps import REFERRAL, routes, url

pytestmark = pytest.mark.integration
PUBLIC, ANY_TOKEN, INBOX, FORM = "public", "any token", "inbox session", "public form"
DOCS = {("GET", "/openapi.json"): PUBLIC, ("GET", "/docs"): PUBLIC, ("GET", "/docs/oauth2-redirect"): PUBLIC,
        ("GET", "/redoc"): PUBLIC}
OPS = {("GET", "/healthz"): PUBLIC, ("GET", "/readyz"): PUBLIC, ("GET", "/metrics"): PUBLIC}
PROVIDERS = ("provider:pops", "provider:tmuk", "admin")
COMMISSIONER = ("commissioner", "admin")

ACCESS: dict[str, dict[tuple[str, str], object]] = {
    "referral-intake": {**DOCS, **OPS,
        ("POST", "/v1/referrals"): ("referrer", "admin"),
        ("GET", "/v1/referrals/{referral_id}"): ("referrer", "admin"),
        ("PATCH", "/v1/referrals/{referral_id}/consent"): ("referrer", "admin"),
        ("GET", "/internal/v1/referrals/{referral_id}/document"): ("internal", "admin"),
        ("POST", "/v1/probation/caseload"): ("admin",),
        ("GET", "/v1/probation/batches/{batch_id}"): ("admin",),
        ("GET", "/v1/probation/batches/{batch_id}/rejections"): ("admin",),
        ("POST", "/v1/probation/batches/{batch_id}/rejections/{line}"): ("admin",),
        ("POST", "/v1/probation/batches/{batch_id}/rejections/{line}/resolve"): ("admin",),
        ("GET", "/v1/probation/unresolved"): ("admin",),
    },
    "router": {**DOCS, **OPS,
        ("GET", "/v1/triage"): COMMISSIONER,
        ("GET", "/v1/providers"): ANY_TOKEN,  # capacity only: nothing about any person
        ("PUT", "/v1/providers/{provider}/capacity"): ("provider:pops", "admin"),  # {provider} is pops
        ("POST", "/v1/provider-referrals/{provider_referral_id}/onward-referrals"): PROVIDERS,
    },
    "notifier": {**DOCS, **OPS,
        ("GET", "/v1/provider-referrals"): PROVIDERS,
        ("GET", "/v1/provider-referrals/{provider_referral_id}"): PROVIDERS,
        ("POST", "/v1/provider-referrals/{provider_referral_id}/status"): PROVIDERS,
        ("POST", "/v1/provider-referrals/{provider_referral_id}/first-contact"): PROVIDERS,
        ("POST", "/v1/provider-referrals/{provider_referral_id}/outcome-star"): PROVIDERS,
        ("GET", "/v1/overdue"): COMMISSIONER,
        ("GET", "/v1/deliveries"): ("admin",),
        ("GET", "/v1/deliveries/{webhook_id}"): ("admin",),
        ("POST", "/v1/deliveries/{webhook_id}/replay"): ("admin",),
        # The inbox pages: a bearer token opens nothing; a provider signs in with its token.
        ("GET", "/inbox"): PUBLIC, ("GET", "/inbox/inbox.css"): PUBLIC,
        ("GET", "/inbox/sign-in"): PUBLIC,
        # Forms anyone may send, but only with the CSRF token of the page they came from: 403 without.
        ("POST", "/inbox/sign-in"): FORM, ("POST", "/inbox/sign-out"): FORM,
        ("GET", "/inbox/referrals"): INBOX,
        ("GET", "/inbox/referrals/{provider_referral_id}"): INBOX,
        ("POST", "/inbox/referrals/{provider_referral_id}/status"): INBOX,
        ("POST", "/inbox/referrals/{provider_referral_id}/first-contact"): INBOX,
        ("POST", "/inbox/referrals/{provider_referral_id}/outcome-star"): INBOX,
        ("POST", "/inbox/referrals/{provider_referral_id}/onward"): INBOX,
    },
    "ledger": {**DOCS, **OPS,
        ("GET", "/v1/referrals/{referral_id}/trail"): COMMISSIONER,
        ("GET", "/v1/reports/monthly"): COMMISSIONER,
        ("GET", "/v1/pathways/{person}"): COMMISSIONER,
    },
}
BODIES = {
    "/v1/referrals": {"json": REFERRAL},
    "/v1/referrals/{referral_id}/consent": {"json": {"person_ref": "p1", "consent": "granted"}},
    "/v1/probation/caseload": {"content": b"crn\n", "headers": {"Content-Type": "text/csv"}},
    "/v1/probation/batches/{batch_id}/rejections/{line}": {"json": {"crn": "X000001"}},
    "/v1/providers/{provider}/capacity": {"json": {"capacity": "waitlist"}},
    "/v1/provider-referrals/{provider_referral_id}/onward-referrals": {
        "json": {"provider": "tmuk", "person_refs": ["c1"], "reason": "child_support"}},
    "/v1/provider-referrals/{provider_referral_id}/status": {"json": {"status": "accepted"}},
    "/v1/provider-referrals/{provider_referral_id}/first-contact": {
        "json": {"contacted_on": "2026-11-03", "method": "phone"}},
    "/v1/provider-referrals/{provider_referral_id}/outcome-star": {
        "json": {"person_ref": "p1", "reading": "opening", "scores": {}}},
}
PARAMS = {"/v1/reports/monthly": {"month": "2026-10"}}
UNKNOWN_TOKEN = "fp_" + "x" * 43


def expected(access, role: str | None) -> str:
    """"in" (neither 401 nor 403), "401" or "403" for a bearer token of `role` (None: no token)."""
    if access == PUBLIC:
        return "in"
    if access == FORM:
        return "403"  # no bearer token stands in for the form's CSRF token
    if role is None or role == "unknown" or access == INBOX:
        return "401"  # an inbox page answers a caller without a session by sending it to sign in
    return "in" if access == ANY_TOKEN or role in access else "403"


def outcome(answer) -> str:
    if answer.status_code == 303 and answer.headers["location"].startswith("/inbox/sign-in"):
        return "401"
    return str(answer.status_code) if answer.status_code in (401, 403) else "in"


@pytest.mark.parametrize("service", security_apps.SERVICES)
def test_every_route_has_a_declared_access(service, tmp_path):
    built = security_apps.build(service, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "t", tmp_path)
    served = routes(built.app)
    assert served - ACCESS[service].keys() == set(), "declare who may call these in ACCESS"
    assert ACCESS[service].keys() - served == set(), "ACCESS names routes the app no longer serves"


async def call(client, method: str, path: str, headers: dict, **extra):
    options = BODIES.get(path, {}) if method in ("POST", "PUT", "PATCH") else {}
    options = {**options, **extra, "headers": {**options.get("headers", {}), **headers}}
    return await client.request(method, url(path), params=PARAMS.get(path), **options)


async def test_every_route_answers_each_role_as_declared(served):
    service, client, tokens = served
    if service.name == "referral-intake":  # a referral to read, so the referrer's calls reach it
        seeded = await client.post("/v1/referrals", json=REFERRAL, headers=bearer(tokens["admin"]))
        assert seeded.status_code == 202, seeded.text
    wrong = []
    for (method, path), access in sorted(ACCESS[service.name].items()):
        for role in (None, "unknown", *security_apps.ROLES):
            token = {None: None, "unknown": UNKNOWN_TOKEN}.get(role, tokens.get(role))
            answer = await call(client, method, path, bearer(token) if token else {})
            # /readyz rightly answers 503 for the router and notifier, whose broker is not started here
            assert answer.status_code < 500 or (path, answer.status_code) == ("/readyz", 503), (method, path, role)
            if outcome(answer) != expected(access, role):
                wrong.append(f"{method} {path} as {role}: {answer.status_code}, declared {expected(access, role)}")
            if outcome(answer) == "401" and access != INBOX:
                assert answer.headers.get("www-authenticate") == "Bearer", (method, path, role)
    assert wrong == [], "\n".join(wrong)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def notifier(db_url, tokens, tmp_path):
    path, by_role = tokens
    service = security_apps.build("notifier", db_url, path, tmp_path)
    async with service.running():
        yield service, by_role


async def test_inbox_pages_open_only_to_a_signed_in_provider(notifier):
    """A bearer token opens no inbox page (checked above); a session does, only for a provider."""
    service, tokens = notifier
    pages = [key for key, access in ACCESS["notifier"].items() if access == INBOX]
    for role in security_apps.ROLES:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app),
                                     base_url="http://127.0.0.1") as browser:
            form = await browser.get("/inbox/sign-in")
            signed = await browser.post("/inbox/sign-in", data={"csrf_token": csrf_of(form), "token": tokens[role]})
            provider = role.startswith("provider:")
            assert signed.status_code == (303 if provider else 401), role
            csrf = csrf_of(await browser.get("/inbox/referrals" if provider else "/inbox/sign-in"))
            for method, path in pages:
                answer = await browser.request(method, url(path), data={"csrf_token": csrf} if method == "POST" else None)
                assert answer.status_code < 500, (method, path, role)
                assert outcome(answer) == ("in" if provider else "401"), (method, path, role, answer.status_code)


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
