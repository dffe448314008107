"""Bodies nobody should send: larger than the endpoint's documented limit (declared or streamed),
nested thousands deep, or not JSON at all. Each gets a clear 4xx, never a 500, and nothing is
stored: every table of the service's database has the rows it had before.

LIMITS names every body-taking route of every app (README "Data protection": request limits);
a new one without an entry fails here.
"""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, inspect, select, table

import security_apps
from security_apps import routes, url

pytestmark = pytest.mark.integration
KiB, MiB = 1024, 1024 * 1024
CASELOAD_TESTED = 256 * KiB  # CASELOAD_MAX_BYTES for this test: its 1 GiB default is too large to send
JSON, FORM, CSV, NONE = "application/json", "application/x-www-form-urlencoded", "text/csv", None
PROVIDER_REFERRAL = "/v1/provider-referrals/{provider_referral_id}"
INBOX_REFERRAL = "/inbox/referrals/{provider_referral_id}"
LIMITS: dict[str, dict[tuple[str, str], tuple[int, str | None]]] = {
    "referral-intake": {
        ("POST", "/v1/referrals"): (MiB, JSON),
        ("PATCH", "/v1/referrals/{referral_id}/consent"): (MiB, JSON),
        ("POST", "/v1/probation/caseload"): (CASELOAD_TESTED, CSV),
        ("POST", "/v1/probation/batches/{batch_id}/rejections/{line}"): (MiB, JSON),
        ("POST", "/v1/probation/batches/{batch_id}/rejections/{line}/resolve"): (MiB, NONE),
    },
    "router": {
        ("PUT", "/v1/providers/{provider}/capacity"): (64 * KiB, JSON),
        ("POST", "/v1/provider-referrals/{provider_referral_id}/onward-referrals"): (64 * KiB, JSON),
    },
    "notifier": {
        **{("POST", f"{PROVIDER_REFERRAL}/{action}"): (64 * KiB, JSON)
           for action in ("status", "first-contact", "outcome-star")},
        ("POST", "/v1/deliveries/{webhook_id}/replay"): (64 * KiB, NONE),
        ("POST", "/inbox/sign-in"): (64 * KiB, FORM), ("POST", "/inbox/sign-out"): (64 * KiB, FORM),
        **{("POST", f"{INBOX_REFERRAL}/{action}"): (64 * KiB, FORM)
           for action in ("status", "first-contact", "outcome-star", "onward")},
    },
    "ledger": {},  # reads only
}


def test_the_caseload_default_is_the_documented_one():
    from pathways_intake.feed.upload import CaseloadLimits

    assert CaseloadLimits.model_fields["max_bytes"].default == 1024 ** 3


@pytest.mark.parametrize("service", security_apps.SERVICES)
def test_every_body_taking_route_has_a_limit(service, tmp_path):
    built = security_apps.build(service, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "t", tmp_path)
    taking = {(m, p) for m, p in routes(built.app) if m in ("POST", "PUT", "PATCH")}
    assert taking == LIMITS[service].keys()


@pytest.fixture
async def hostile(request, db_url, tokens, tmp_path, monkeypatch):
    monkeypatch.setenv("CASELOAD_MAX_BYTES", str(CASELOAD_TESTED))
    path, by_role = tokens
    service = security_apps.build(request.param, db_url, path, tmp_path)
    async with service.running():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://127.0.0.1",
                                     headers={"Authorization": f"Bearer {by_role['admin']}"}) as client:
            yield service, client


async def rows(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        return {name: (await conn.execute(select(func.count()).select_from(table(name)))).scalar_one()
                for name in names}


def bodies(limit: int, kind: str | None):
    """(what, body, content type) of each hostile body for a route taking `kind` up to `limit` bytes."""
    yield "declared oversize", b"a" * (limit + 1), kind or JSON

    if kind is None:
        return  # nothing reads its body: only a declared length can be refused, and is

    async def streamed():  # no Content-Length: the limit must hold while the body arrives
        for _ in range(limit // (16 * KiB) + 1):
            yield b"a" * (16 * KiB)
    yield "streamed oversize", streamed(), kind
    if kind == JSON:
        yield "nested 20000 deep", b"[" * 20000 + b"]" * 20000, JSON
        yield "nested objects", b'{"a":' * 5000 + b"1" + b"}" * 5000, JSON
        yield "not JSON", b'{"status": ', JSON
        yield "not UTF-8", b'{"status": "\xff\xfe"}', JSON


@pytest.mark.parametrize("hostile", [s for s in security_apps.SERVICES if LIMITS[s]], indirect=True)
async def test_hostile_bodies_get_a_clear_4xx_and_nothing_is_stored(hostile):
    service, client = hostile
    before, wrong = await rows(service.engine), []
    for (method, path), (limit, kind) in LIMITS[service.name].items():
        for what, body, content_type in bodies(limit, kind):
            answer = await client.request(method, url(path), content=body, headers={"Content-Type": content_type})
            oversize = what.endswith("oversize")
            if (answer.status_code != 413) if oversize else not 400 <= answer.status_code < 500:
                wrong.append(f"{method} {path}, {what}: {answer.status_code} {answer.text[:200]}")
            elif oversize and "body_too_large" not in answer.text and "larger than" not in answer.text:
                wrong.append(f"{method} {path}, {what}: 413 without saying why: {answer.text[:200]}")
    assert wrong == [], "\n".join(wrong)
    assert await rows(service.engine) == before


async def test_a_body_just_within_the_limit_is_read(db_url, tokens, tmp_path):
    """The limit is the documented one, not less: a referral padded to just under 1 MiB is read
    (and refused for its content, 422, not for its size)."""
    path, by_role = tokens
    service = security_apps.build("referral-intake", db_url, path, tmp_path)
    async with service.running():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://i") as client:
            body = b'{"pad": "' + b"a" * (MiB - 20) + b'"}'
            answer = await client.post("/v1/referrals", content=body, headers={
                "Content-Type": JSON, "Authorization": f"Bearer {by_role['referrer']}"})
    assert len(body) <= MiB and answer.status_code == 422, answer.text[:300]
