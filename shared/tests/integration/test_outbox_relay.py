"""The outbox relay publishes stored events in order, marks them only once acknowledged, and deletes
them once they have been published for the keeping period."""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

import pathways_shared.sweep as sweep_module

from pathways_shared.broker.embedded import EmbeddedBroker, free_port
from pathways_shared.broker.topics import ensure_topics
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.events import CORRELATION_HEADER, EventType, decode_event, new_event
from pathways_shared.inbox import processed_messages, record_many_processed
from pathways_shared.outbox import add_to_outbox, outbox
from pathways_shared.relay import OutboxRelay
from pathways_shared.settings import Settings
from pathways_shared.telemetry import correlation_scope
from pathways_shared.testing.fixtures import read_topic

pytestmark = pytest.mark.integration


async def _store(engine, topic, events, correlation_id=None):
    async with engine.begin() as conn:
        for event in events:
            await add_to_outbox(conn, event, topic=topic, correlation_id=correlation_id)


async def _unpublished(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))).scalar_one()


def _households(count_each: int = 4):
    referrals = [uuid.uuid4() for _ in range(3)]
    return [new_event(EventType.referral_routed, referrals[i % 3], additional_information={"seq": i})
            for i in range(3 * count_each)]


async def test_relay_publishes_in_order_and_marks_what_the_broker_acknowledged(db_url, kafka_bootstrap, fresh_topics):
    engine = make_engine(db_url)
    relay = OutboxRelay(engine, kafka_bootstrap, batch_size=5, ack_timeout=5)
    try:
        await create_plumbing_tables(engine)
        events = _households()
        await _store(engine, fresh_topics.decisions, events, correlation_id="corr-relay")
        assert await _unpublished(engine) == len(events)

        published = 0
        while batch := await relay.publish_pending():  # batches of 5, 5, 2
            published += batch
        assert published == len(events) and await _unpublished(engine) == 0
        assert await relay.publish_pending() == 0  # nothing is published twice

        records = await asyncio.to_thread(read_topic, kafka_bootstrap, fresh_topics.decisions, expected=len(events))
        received = [decode_event(r.value) for r in records]
        assert sorted(e.eventId for e in received) == sorted(e.eventId for e in events)
        for referral in {e.referralId for e in events}:  # each household on one partition, in order
            mine = [r for r in records if r.key == str(referral).encode()]
            assert len({r.partition for r in mine}) == 1
            assert [decode_event(r.value).eventId for r in mine] == [e.eventId for e in events if e.referralId == referral]
        assert all(dict(r.headers)[CORRELATION_HEADER] == b"corr-relay" for r in records)
    finally:
        await relay.stop()
        await engine.dispose()


async def test_correlation_id_defaults_to_the_current_scope(sqlite_url, kafka_bootstrap, fresh_topics):
    engine = make_engine(sqlite_url)
    relay = OutboxRelay(engine, kafka_bootstrap, ack_timeout=5)
    try:
        await create_plumbing_tables(engine)
        with correlation_scope("corr-scope"):
            await _store(engine, fresh_topics.referrals, [new_event(EventType.referral_submitted, uuid.uuid4())])
        assert await relay.publish_pending() == 1
        (record,) = await asyncio.to_thread(read_topic, kafka_bootstrap, fresh_topics.referrals, expected=1)
        assert dict(record.headers)[CORRELATION_HEADER] == b"corr-scope"
    finally:
        await relay.stop()
        await engine.dispose()


async def test_nothing_is_marked_while_the_broker_is_down_and_all_is_sent_when_it_returns(db_url):
    engine = make_engine(db_url)
    broker = EmbeddedBroker()  # chosen port, not started yet: the broker is "down"
    broker.port = free_port()
    relay = OutboxRelay(engine, broker.bootstrap_servers, batch_size=50, poll_interval=0.05,
                        ack_timeout=1.0, max_backoff=0.5)
    try:
        await create_plumbing_tables(engine)
        events = _households(count_each=3)
        await _store(engine, "pathways.decisions", events)
        relay.start()
        deadline = time.monotonic() + 10
        while relay.last_error is None and time.monotonic() < deadline:  # it tries and fails...
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # ...and keeps retrying
        assert relay.last_error is not None
        assert relay.published == 0 and await _unpublished(engine) == len(events)

        await asyncio.to_thread(broker.start)
        await asyncio.to_thread(ensure_topics, broker.bootstrap_servers, ["pathways.decisions"])
        deadline = time.monotonic() + 20
        while await _unpublished(engine) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert await _unpublished(engine) == 0

        records = await asyncio.to_thread(read_topic, broker.bootstrap_servers, "pathways.decisions",
                                          expected=len(events))
        assert {decode_event(r.value).eventId for r in records} == {e.eventId for e in events}
        for referral in {e.referralId for e in events}:
            first_seen = list(dict.fromkeys(decode_event(r.value).eventId for r in records
                                            if r.key == str(referral).encode()))
            assert first_seen == [e.eventId for e in events if e.referralId == referral]
    finally:
        await relay.stop()
        await asyncio.to_thread(broker.stop)
        await engine.dispose()


async def _mark_published(engine, events, at):
    async with engine.begin() as conn:
        await conn.execute(update(outbox).where(outbox.c.event_id.in_([e.eventId for e in events]))
                           .values(published_at=at))


async def _kept(engine) -> set:
    async with engine.connect() as conn:
        return set((await conn.execute(select(outbox.c.event_id))).scalars())


async def _remembered(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(processed_messages))).scalar_one()


async def test_the_relay_forgets_processed_records_past_their_own_keeping_period(db_url):
    engine = make_engine(db_url)
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    relay = OutboxRelay(engine, "127.0.0.1:9", keep_processed=timedelta(days=30))
    try:
        await create_plumbing_tables(engine)
        async with engine.begin() as conn:
            await record_many_processed(conn, "router", [uuid.uuid4() for _ in range(4)])
        assert await relay.forget_processed(now) == 0  # recorded today: remembered
        assert await _remembered(engine) == 4
        assert await relay.forget_processed(now + timedelta(days=31)) == 4
        assert await _remembered(engine) == 0
    finally:
        await relay.stop()
        await engine.dispose()


async def test_a_failing_outbox_sweep_does_not_keep_processed_records(db_url, caplog):
    engine = make_engine(db_url)
    relay = OutboxRelay(engine, "127.0.0.1:9", keep_published=timedelta(0), keep_processed=timedelta(0))

    async def broken(now=None):
        raise RuntimeError("disk full")

    relay.sweep_published = broken
    try:
        await create_plumbing_tables(engine)
        async with engine.begin() as conn:
            await record_many_processed(conn, "router", [uuid.uuid4() for _ in range(2)])
        await relay._sweep_when_due()
        assert await _remembered(engine) == 0
        failed = [r for r in caplog.records if r.getMessage() == "outbox sweep failed"]
        assert [(r.table, r.error) for r in failed] == [("outbox", "RuntimeError: disk full")]
    finally:
        await relay.stop()
        await engine.dispose()


def test_the_keeping_periods_come_from_the_settings():
    settings = Settings(outbox_keep_published_hours=12, inbox_keep_processed_hours=800)
    relay = OutboxRelay.from_settings(None, settings)
    assert (relay.keep_published, relay.keep_processed) == (timedelta(hours=12), timedelta(hours=800))
    assert Settings().inbox_keep_processed_hours == 720  # a month: longer than Kafka keeps a message
    with pytest.raises(ValueError, match="inbox_keep_processed_hours"):
        Settings(inbox_keep_processed_hours=0)


async def test_a_sweep_deletes_only_rows_published_before_the_keeping_period(db_url, monkeypatch):
    monkeypatch.setattr(sweep_module, "SWEEP_BATCH", 3)  # several batches
    engine = make_engine(db_url)
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    relay = OutboxRelay(engine, "127.0.0.1:9", keep_published=timedelta(days=7))
    try:
        await create_plumbing_tables(engine)
        old, recent, pending = _households(3), _households(1), _households(1)
        for events in (old[:6], pending[:2], recent, old[6:], pending[2:]):  # interleaved ids
            await _store(engine, "pathways.decisions", events)
        await _mark_published(engine, old, now - timedelta(days=7, seconds=1))
        await _mark_published(engine, recent, now - timedelta(days=6, hours=23))

        assert await relay.sweep_published(now) == len(old)
        assert await _kept(engine) == {e.eventId for e in recent + pending}
        assert await relay.sweep_published(now) == 0
        # Unpublished rows stay however old they are, and go once published long enough ago.
        assert await relay.sweep_published(now + timedelta(days=30)) == len(recent)
        assert await _kept(engine) == {e.eventId for e in pending}
        assert await OutboxRelay(engine, "127.0.0.1:9").sweep_published(now + timedelta(days=999)) == 0
        assert await _kept(engine) == {e.eventId for e in pending}  # no keeping period: nothing swept
    finally:
        await relay.stop()
        await engine.dispose()


async def test_the_running_relay_sweeps_what_it_published_once_kept_long_enough(sqlite_url, kafka_bootstrap,
                                                                                  fresh_topics):
    engine = make_engine(sqlite_url)
    relay = OutboxRelay(engine, kafka_bootstrap, poll_interval=0.05, ack_timeout=5,
                        keep_published=timedelta(0), keep_processed=timedelta(0), sweep_interval=0.2)
    try:
        await create_plumbing_tables(engine)
        events = _households(2)
        await _store(engine, fresh_topics.decisions, events)
        async with engine.begin() as conn:  # what the service's consumer had handled
            await record_many_processed(conn, "router", [uuid.uuid4() for _ in range(3)])
        relay.start()
        deadline = time.monotonic() + 20
        while (await _kept(engine) or await _remembered(engine)) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert await _kept(engine) == set() and relay.published == len(events)
        assert await _remembered(engine) == 0
        records = await asyncio.to_thread(read_topic, kafka_bootstrap, fresh_topics.decisions, expected=len(events))
        assert {decode_event(r.value).eventId for r in records} == {e.eventId for e in events}
    finally:
        await relay.stop()
        await engine.dispose()
