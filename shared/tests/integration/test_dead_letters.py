"""A FastStream consumer built with the shared factory: malformed messages go to `<topic>.dlq`,
the partition keeps flowing, and offsets are committed only after handling."""
from __future__ import annotations

import asyncio
import uuid

import prometheus_client
import pytest
from kafka import KafkaProducer

from pathways_shared.broker import dead_letter_topic, make_kafka_broker, subscriber_options
from pathways_shared.events import CORRELATION_HEADER, DomainEvent, EventType, MalformedEvent, encode_event, new_event
from pathways_shared.inbox import DeadLetterMiddleware
from pathways_shared.telemetry import correlation_id
from pathways_shared.testing.fixtures import read_topic

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(DeadLetterMiddleware, "retry_delay", 0.05)


def _produce(bootstrap, topic, messages):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value, headers in messages:
            producer.send(topic, key=key, value=value, headers=headers)
        producer.flush(timeout=10)
    finally:
        producer.close()


async def _until(predicate, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_malformed_messages_are_dead_lettered_and_the_next_good_one_is_handled(kafka_settings, fresh_topics):
    registry = prometheus_client.CollectorRegistry()
    broker = make_kafka_broker(kafka_settings, registry=registry)
    handled: list[tuple[DomainEvent, str | None]] = []
    refused_referral = uuid.uuid4()

    @broker.subscriber(fresh_topics.referrals, **subscriber_options(kafka_settings, "dlq-test"))
    async def on_referral(event: DomainEvent) -> None:
        if event.referralId == refused_referral:
            raise MalformedEvent("handler found the event unusable")
        handled.append((event, correlation_id.get()))

    household = uuid.uuid4()
    key = str(household).encode()
    good = new_event(EventType.referral_submitted, household)
    refused = new_event(EventType.referral_submitted, refused_referral)
    # One key for all, so one partition: the bad ones are handled before the good one.
    _produce(kafka_settings.kafka_bootstrap_servers, fresh_topics.referrals, [
        (key, b"{not json", [(CORRELATION_HEADER, b"corr-bad")]),
        (key, b'{"eventType": "pathways.referral.submitted"}', []),
        (key, encode_event(refused), []),
        (key, encode_event(good), [(CORRELATION_HEADER, b"corr-good")]),
    ])
    async with broker:
        await broker.start()
        await _until(lambda: len(handled) == 1)

    assert handled == [(good, "corr-good")]
    dead = await asyncio.to_thread(read_topic, kafka_settings.kafka_bootstrap_servers,
                                   dead_letter_topic(fresh_topics.referrals), expected=3)
    by_value = {r.value: dict(r.headers) for r in dead}
    assert set(by_value) == {b"{not json", b'{"eventType": "pathways.referral.submitted"}', encode_event(refused)}
    invalid = by_value[b'{"eventType": "pathways.referral.submitted"}']
    assert b"eventId" in invalid["dead-letter-reason"]
    assert by_value[b"{not json"][CORRELATION_HEADER] == b"corr-bad"
    assert by_value[encode_event(refused)]["dead-letter-reason"] == b"handler found the event unusable"
    assert all(h["dead-letter-source"].startswith(fresh_topics.referrals.encode()) for h in by_value.values())
    metrics = prometheus_client.generate_latest(registry).decode()
    assert "pathways_received_messages_total" in metrics


async def test_a_failing_handler_gets_the_message_again_and_offsets_are_committed_after(kafka_settings, fresh_topics):
    event = new_event(EventType.referral_routed, uuid.uuid4())
    _produce(kafka_settings.kafka_bootstrap_servers, fresh_topics.decisions,
             [(event.partition_key, encode_event(event), [])])
    attempts: list[uuid.UUID] = []

    broker = make_kafka_broker(kafka_settings, registry=prometheus_client.CollectorRegistry())

    @broker.subscriber(fresh_topics.decisions, **subscriber_options(kafka_settings, "retry-test"))
    async def on_decision(event: DomainEvent) -> None:
        attempts.append(event.eventId)
        if len(attempts) == 1:
            raise ConnectionError("database briefly unavailable")

    async with broker:
        await broker.start()
        await _until(lambda: len(attempts) == 2)
        await asyncio.sleep(0.3)
    assert attempts == [event.eventId, event.eventId]  # retried, not dead-lettered
    assert await asyncio.to_thread(read_topic, kafka_settings.kafka_bootstrap_servers,
                                   dead_letter_topic(fresh_topics.decisions), expected=1, timeout=1.0) == []

    # The same group starting again finds the offset committed: nothing is handled twice.
    again: list[uuid.UUID] = []
    later = new_event(EventType.referral_routed, uuid.uuid4())
    _produce(kafka_settings.kafka_bootstrap_servers, fresh_topics.decisions,
             [(later.partition_key, encode_event(later), [])])
    broker = make_kafka_broker(kafka_settings, registry=prometheus_client.CollectorRegistry())

    @broker.subscriber(fresh_topics.decisions, **subscriber_options(kafka_settings, "retry-test"))
    async def on_decision_again(event: DomainEvent) -> None:
        again.append(event.eventId)

    async with broker:
        await broker.start()
        await _until(lambda: later.eventId in again)
    assert again == [later.eventId]
