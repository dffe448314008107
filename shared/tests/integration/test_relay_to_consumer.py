"""The pieces together: outbox -> relay -> broker -> FastStream consumer -> inbox. A row
published twice (the relay crashed after sending, before marking) has one effect."""
from __future__ import annotations

import asyncio
import uuid

import prometheus_client
import pytest
from sqlalchemy import update

from pathways_shared.broker import make_kafka_broker, subscriber_options
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.events import DomainEvent, EventType, new_event
from pathways_shared.inbox import record_processed
from pathways_shared.outbox import add_to_outbox, outbox
from pathways_shared.relay import OutboxRelay

pytestmark = pytest.mark.integration


async def test_at_least_once_delivery_with_one_effect_per_event(kafka_settings, fresh_topics, sqlite_url, pg_schema_url):
    producer_db, consumer_db = make_engine(sqlite_url), make_engine(pg_schema_url)
    relay = OutboxRelay(producer_db, kafka_settings.kafka_bootstrap_servers, poll_interval=0.05, ack_timeout=5)
    broker = make_kafka_broker(kafka_settings, registry=prometheus_client.CollectorRegistry())
    deliveries: list[uuid.UUID] = []
    effects: list[uuid.UUID] = []

    @broker.subscriber(fresh_topics.provider_referrals, **subscriber_options(kafka_settings, "notifier"))
    async def on_provider_referral(event: DomainEvent) -> None:
        deliveries.append(event.eventId)
        async with consumer_db.begin() as conn:
            if await record_processed(conn, "notifier", event):
                effects.append(event.eventId)

    try:
        await create_plumbing_tables(producer_db)
        await create_plumbing_tables(consumer_db)
        events = [new_event(EventType.provider_referral_raised, uuid.uuid4()) for _ in range(3)]
        async with producer_db.begin() as conn:
            for event in events:
                await add_to_outbox(conn, event, topic=fresh_topics.provider_referrals)
        relay.start()
        async with broker:
            await broker.start()
            await _until(lambda: len(effects) == 3)
            # As if the relay had crashed before marking: the first row goes out again.
            async with producer_db.begin() as conn:
                await conn.execute(update(outbox).where(outbox.c.event_id == events[0].eventId)
                                   .values(published_at=None))
            relay.wake()
            await _until(lambda: len(deliveries) == 4)
        assert sorted(effects) == sorted(e.eventId for e in events)
        assert deliveries.count(events[0].eventId) == 2
    finally:
        await relay.stop()
        await producer_db.dispose()
        await consumer_db.dispose()


async def _until(predicate, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
