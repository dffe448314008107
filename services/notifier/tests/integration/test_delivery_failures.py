"""Deliveries that cannot be made: dead-lettered after the last attempt and replayed, waiting
for an endpoint to be configured, or for the intake's document."""
import asyncio
import json
import logging

import pytest

from pathways_notifier.adapters import repository as repo
from pathways_notifier.domain.delivery import webhook_id
from pathways_shared.events import EventType

from ..conftest import HOUSEHOLD
from .conftest import all_settled, drain, published, rows

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_down_webhook_is_dead_lettered_after_max_attempts_and_replay_delivers_it(start, webhook, make_raised):
    notifier = await start(max_attempts=3)
    webhook.mode = "down"
    event = make_raised("shelter", [("ix", "subject"), ("m1", "household_member")])
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier, "dead"))

    wid = webhook_id(event.additionalInformation["provider_referral_id"], 1)
    row = (await rows(notifier))[wid]
    assert (row.status, row.attempts, row.last_error, row.last_status_code) == ("dead", 3, "HTTP 503", 503)
    assert webhook.requests[wid] == 3 and not webhook.acknowledged
    [(failed, _)] = await published(notifier, EventType.provider_referral_delivery_failed)
    assert failed.additionalInformation | {} == {
        "provider_referral_id": event.additionalInformation["provider_referral_id"],
        "referral_id": HOUSEHOLD["referral_id"], "provider": "shelter", "webhook_id": wid, "attempts": 3,
        "last_error": "HTTP 503", "dead_lettered": True}
    async with notifier.engine.connect() as conn:
        assert [r["webhook_id"] for r in await repo.list_deliveries(conn, "dead")] == [wid]

    webhook.mode = "ok"
    await notifier.worker.run_once()
    assert not webhook.acknowledged, "a dead delivery is not retried until replayed"
    async with notifier.engine.begin() as conn:
        assert await repo.replay(conn) == [wid]
    await drain(notifier, all_settled(notifier))
    assert dict(webhook.acknowledged) == {wid: 1}
    assert webhook.payloads[wid]["data"]["index"]["given_name"] == "Sam"
    [(delivered, _)] = await published(notifier, EventType.provider_referral_delivered)
    assert delivered.additionalInformation["attempts"] == 1


async def test_an_unreachable_webhook_counts_attempts_too(start, webhook, make_raised):
    notifier = await start(max_attempts=2)
    webhook.server.stop()  # connection refused
    await notifier.service.on_provider_referral_event(make_raised("moms", [("ix", "subject")]))
    await drain(notifier, all_settled(notifier, "dead"))
    [row] = (await rows(notifier)).values()
    assert row.attempts == 2 and row.last_error.startswith("ConnectError") and row.last_status_code is None


async def test_a_provider_without_an_endpoint_stays_pending_with_one_warning(start, webhook, make_raised, caplog):
    notifier = await start(providers=("tmuk",))
    for _ in range(2):
        await notifier.service.on_provider_referral_event(make_raised("pops", [("m1", "subject")]))
    with caplog.at_level(logging.WARNING, logger="pathways_notifier.delivery"):
        for _ in range(3):
            await notifier.worker.run_once()
            await asyncio.sleep(0.06)
    stored = list((await rows(notifier)).values())
    assert [(r.status, r.attempts, r.last_error) for r in stored] == [
        ("pending", 0, "no webhook endpoint configured")] * 2
    warnings = [r for r in caplog.records if "no webhook endpoint" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].provider == "pops"
    assert not webhook.requests


async def test_the_document_comes_from_the_intake_with_its_token_and_failures_are_retried(start, intake, webhook,
                                                                                         make_raised):
    notifier = await start(intake_token="wrong-token", max_attempts=2)
    await notifier.service.on_provider_referral_event(make_raised("tmuk", [("c1", "subject")]))
    await drain(notifier, all_settled(notifier, "dead"))
    [row] = (await rows(notifier)).values()
    assert row.last_error == "intake answered HTTP 401" and intake.requests == 2
    assert not webhook.requests, "nothing is sent without the document"
    text = json.dumps([e.additionalInformation for e, _ in
                       await published(notifier, EventType.provider_referral_delivery_failed)])
    assert "Lily" not in text and "intake answered HTTP 401" in text
