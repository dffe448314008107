"""Delivery against real databases (SQLite and PostgreSQL), a real intake endpoint and a real
provider webhook that verifies signatures with the receiver example: what is sent, exactly once
per webhook-id through failures, and never twice for one raised referral."""
import asyncio

import pytest

from pathways_notifier.domain.delivery import webhook_id
from pathways_shared.events import EventType

from ..conftest import HOUSEHOLD
from .conftest import all_settled, close, drain, make_notifier, published, rows

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_raised_referral_is_delivered_signed_with_only_the_permitted_fields(start, webhook, make_raised):
    notifier = await start()
    event = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
    assert await notifier.service.on_provider_referral_event(event) is True
    await drain(notifier, all_settled(notifier))

    raised = event.additionalInformation
    wid = webhook_id(raised["provider_referral_id"], 1)
    assert dict(webhook.acknowledged) == {wid: 1} and webhook.invalid == 0
    assert webhook.payloads[wid] == {
        "type": "provider_referral.raised", "timestamp": event.occurredAt.isoformat(),
        "data": {"provider_referral_id": raised["provider_referral_id"], "referral_id": HOUSEHOLD["referral_id"],
                 "provider": "tmuk", "revision": 1, "urgent": False, "waitlisted": False, "ages_on": "2026-11-02",
                 "persons": [
                     {"person_ref": "c1", "role": "subject", "given_name": "Lily", "age": 6, "relationship": "child"},
                     {"person_ref": "m1", "role": "carer", "given_name": "Ann", "family_name": "Rigby",
                      "contact": {"phone": "07700 900123"}}]}}
    row = (await rows(notifier))[wid]
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 204)
    [(delivered, topic)] = await published(notifier, EventType.provider_referral_delivered)
    assert topic == "t.deliveries"
    info = delivered.additionalInformation
    assert (info["webhook_id"], info["attempts"], info["status_code"], info["provider"]) == (wid, 1, 204, "tmuk")
    assert {i.value for i in delivered.personReference.identifiers} == {"psn-c1", "psn-m1"}
    assert await published(notifier, EventType.provider_referral_delivery_failed) == []


async def test_a_webhook_failing_half_the_time_gets_everything_exactly_once(start, webhook, make_raised):
    notifier = await start()
    webhook.mode = "flaky"
    events = [make_raised("pops", [("m1", "subject")]) for _ in range(12)]
    for event in events:
        await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier))

    expected = {webhook_id(e.additionalInformation["provider_referral_id"], 1) for e in events}
    assert dict(webhook.acknowledged) == {wid: 1 for wid in expected}  # clean 500s never cause duplicates
    assert sum(webhook.requests.values()) > len(expected), "the webhook did fail some attempts"
    stored = await rows(notifier)
    assert {wid: r.attempts for wid, r in stored.items()} == dict(webhook.requests)
    assert len(await published(notifier, EventType.provider_referral_delivered)) == 12
    assert await published(notifier, EventType.provider_referral_delivery_failed) == []


async def test_a_redelivered_event_creates_no_second_delivery(start, webhook, make_raised):
    notifier = await start()
    event = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
    assert await notifier.service.on_provider_referral_event(event) is True
    assert await notifier.service.on_provider_referral_event(event) is False
    # The same provider referral and revision in a different event (e.g. re-published) is the same delivery.
    again = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")],
                        provider_referral_id=event.additionalInformation["provider_referral_id"])
    assert await notifier.service.on_provider_referral_event(again) is False
    await drain(notifier, all_settled(notifier))
    assert len(await rows(notifier)) == 1 and sum(webhook.acknowledged.values()) == 1
    # A new revision (someone newly covered) is a new webhook.
    newer = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")], revision=2,
                        provider_referral_id=event.additionalInformation["provider_referral_id"])
    assert await notifier.service.on_provider_referral_event(newer) is True
    await drain(notifier, all_settled(notifier))
    assert sorted(webhook.acknowledged.values()) == [1, 1] and len(await rows(notifier)) == 2


async def test_a_timeout_after_the_provider_handled_it_is_retried_with_the_same_webhook_id(start, webhook,
                                                                                          make_raised):
    notifier = await start(webhook_timeout_s=0.2)
    webhook.mode = "slow"
    event = make_raised("magistra", [("ix", "subject")])
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier))
    wid = webhook_id(event.additionalInformation["provider_referral_id"], 1)
    # At least once: the retry repeats the webhook-id, which is how the receiver knows it is a repeat.
    assert dict(webhook.requests) == {wid: 2}
    assert (await rows(notifier))[wid].attempts == 2


async def test_concurrent_workers_on_postgresql_never_send_a_webhook_twice(pg_schema_url, intake, webhook, make_raised):
    workers = [await make_notifier(pg_schema_url, intake, webhook, delivery_batch_size=3) for _ in range(3)]
    try:
        webhook.mode = "flaky"
        events = [make_raised("tmuk", [("c1", "subject")]) for _ in range(30)]
        for event in events:
            await workers[0].service.on_provider_referral_event(event)

        async def done():
            return all(r.status == "delivered" for r in (await rows(workers[0])).values())

        deadline = asyncio.get_running_loop().time() + 30
        while not await done():
            assert asyncio.get_running_loop().time() < deadline, "timed out"
            await asyncio.gather(*(w.worker.run_once() for w in workers))
        assert len(webhook.acknowledged) == 30 and set(webhook.acknowledged.values()) == {1}
        assert {wid: r.attempts for wid, r in (await rows(workers[0])).items()} == dict(webhook.requests)
    finally:
        for notifier in workers:
            await close(notifier)
