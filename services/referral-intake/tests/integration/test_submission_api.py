"""POST /v1/referrals against real databases: every problem reported, accepted once, conflicts
refused, concurrent duplicates settled by the primary key, and no personal data in events or logs."""
import asyncio
import json
import logging

import pytest
from sqlalchemy import func, select

from pathways_intake.adapters.tables import referrals
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox
from pathways_shared.telemetry import JsonFormatter

from ..conftest import bearer

pytestmark = pytest.mark.integration
REFERRAL_ID = "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10"


async def count(engine, table) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def outbox_events(engine) -> list:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.topic, outbox.c.payload).order_by(outbox.c.id))
        return [(r.topic, decode_event(r.payload)) for r in rows]


async def test_an_invalid_referral_gets_every_problem_with_its_path_and_nothing_is_stored(api, referral):
    client, intake = api
    del referral["referred_at"]
    referral["index_person"]["sex"] = "unknown"
    referral["index_person"]["favourite_colour"] = "blue"
    referral["family_members"][1]["person_ref"] = "m1"  # duplicate, and now c1's carer is itself
    response = await client.post("/v1/referrals", json=referral)
    assert response.status_code == 422
    found = {(p["path"], p["type"]) for p in response.json()["problems"]}
    assert {("referred_at", "missing"), ("index_person.sex", "enum"),
            ("index_person.favourite_colour", "extra_forbidden"),
            ("family_members[1].person_ref", "duplicate_person_ref")} <= found
    assert all(p["message"] for p in response.json()["problems"])
    assert await count(intake.engine, referrals) == 0 and await count(intake.engine, outbox) == 0


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b"\xff\xfe"])
async def test_a_body_that_is_not_a_json_object_is_refused_clearly(api, body):
    client, intake = api
    response = await client.post("/v1/referrals", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["type"] in ("invalid_json", "not_an_object") and problem["message"]
    assert await count(intake.engine, referrals) == 0


async def test_a_value_of_the_wrong_json_type_is_refused_not_read_as_something_else(api, referral):
    """A release date sent as a number was read as a Unix time, and true as an age of 1."""
    client, intake = api
    referral["index_person"]["release_date"] = 1764806400
    referral["family_members"][0].pop("date_of_birth", None)
    referral["family_members"][0]["age_years"] = True
    response = await client.post("/v1/referrals", json=referral)
    assert response.status_code == 422
    found = {(p["path"], p["type"]) for p in response.json()["problems"]}
    assert found == {("index_person.release_date", "date_type"), ("family_members[0].age_years", "int_type")}
    assert await count(intake.engine, referrals) == 0 and await count(intake.engine, outbox) == 0


async def test_a_body_over_the_limit_is_refused_before_it_is_read(api, referral):
    client, intake = api
    referral["padding"] = "x" * (intake.settings.max_body_bytes + 1)
    response = await client.post("/v1/referrals", json=referral)
    assert response.status_code == 413 and response.json()["problems"][0]["type"] == "body_too_large"

    async def chunks():  # no content-length: the limit is counted as the body streams in
        for _ in range(intake.settings.max_body_bytes // 4096 + 2):
            yield b" " * 4096
    response = await client.post("/v1/referrals", content=chunks())
    assert response.status_code == 413
    assert await count(intake.engine, referrals) == 0


async def test_accepted_once_then_the_same_referral_again_is_the_same_answer(api, referral, identifying):
    client, intake = api
    first = await client.post("/v1/referrals", json=referral)
    assert first.status_code == 202
    assert first.json() == {"referral_id": REFERRAL_ID, "status": "submitted",
                            "links": {"self": f"/v1/referrals/{REFERRAL_ID}"}}
    assert first.headers["location"] == f"/v1/referrals/{REFERRAL_ID}"
    again = await client.post("/v1/referrals", content=json.dumps(referral, indent=2, sort_keys=True))
    assert again.status_code == 200 and again.json() == first.json()
    assert await count(intake.engine, referrals) == 1
    [(topic, event)] = await outbox_events(intake.engine)
    assert topic == "t.referrals" and event.eventType == EventType.referral_submitted
    assert str(event.referralId) == REFERRAL_ID and event.additionalInformation["revision"] == 1
    text = event.model_dump_json()
    for clear in identifying:
        assert clear not in text, f"{clear} left the intake in an event"


async def test_the_request_correlation_id_travels_with_the_stored_event(api, referral):
    client, intake = api
    response = await client.post("/v1/referrals", json=referral, headers={"X-Correlation-Id": "corr-42"})
    assert response.headers["x-correlation-id"] == "corr-42"
    async with intake.engine.connect() as conn:
        assert (await conn.execute(select(outbox.c.correlation_id))).scalar_one() == "corr-42"
    unsafe = await client.get("/healthz", headers={"X-Correlation-Id": "not safe <script>"})
    assert unsafe.headers["x-correlation-id"] != "not safe <script>"


async def test_the_same_id_with_different_content_is_a_conflict_and_changes_nothing(api, referral):
    client, intake = api
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    referral["family_members"][0]["age_years"] = 48
    response = await client.post("/v1/referrals", json=referral)
    assert response.status_code == 409
    assert response.json()["referral_id"] == REFERRAL_ID
    assert response.json()["problems"][0]["type"] == "referral_id_conflict"
    document = (await client.get(f"/internal/v1/referrals/{REFERRAL_ID}/document",
                                 headers=bearer("internal"))).json()
    assert document["document"]["family_members"][0]["age_years"] == 47
    assert await count(intake.engine, outbox) == 1


async def test_concurrent_duplicates_make_one_referral(api, referral):
    client, intake = api
    responses = await asyncio.gather(*(client.post("/v1/referrals", json=referral) for _ in range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [202]
    assert await count(intake.engine, referrals) == 1 and await count(intake.engine, outbox) == 1


async def test_a_referral_without_an_id_is_named_by_its_content(api, referral):
    client, _ = api
    del referral["referral_id"]
    first = await client.post("/v1/referrals", json=referral)
    again = await client.post("/v1/referrals", json=referral)
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["referral_id"] == again.json()["referral_id"] != REFERRAL_ID


async def test_logs_name_the_referral_and_nobody_in_it(api, referral, caplog, clear_values):
    client, _ = api
    caplog.set_level(logging.INFO)
    await client.post("/v1/referrals", json=referral)
    await client.patch(f"/v1/referrals/{REFERRAL_ID}/consent", json={"person_ref": "ix", "consent": "granted"})
    logged = "\n".join(JsonFormatter("referral-intake").format(r) for r in caplog.records)
    assert REFERRAL_ID in logged
    for clear in clear_values:
        assert clear not in logged, f"{clear} was logged"
