"""Idempotent consumers: the processed-message record shares the transaction of the effect."""
from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update

from pathways_shared.db import create_plumbing_tables, include_plumbing_tables, make_engine
from pathways_shared.events import EventType, new_event
import pathways_shared.inbox as inbox_module

from pathways_shared.inbox import forget_processed, processed_messages, record_many_processed, record_processed

pytestmark = pytest.mark.integration

# A stand-in for a service's own table, created beside the plumbing tables in its metadata.
service_metadata = MetaData()
decisions = Table("decisions", service_metadata, Column("id", Integer, primary_key=True),
                  Column("referral_id", String(36), nullable=False))
include_plumbing_tables(service_metadata)


async def _handle(engine, group, event, fail_after_effect=False) -> bool:
    async with engine.begin() as conn:
        if not await record_processed(conn, group, event):
            return False
        await conn.execute(insert(decisions).values(referral_id=str(event.referralId)))
        if fail_after_effect:
            raise RuntimeError("crashed before commit")
    return True


async def _count(engine, table) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_a_redelivered_event_has_no_second_effect(db_url):
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(service_metadata.create_all)
        event = new_event(EventType.referral_submitted, uuid.uuid4())
        assert await _handle(engine, "router", event) is True
        assert await _handle(engine, "router", event) is False
        assert await _count(engine, decisions) == 1
        # Another consumer group processes the same event independently.
        assert await _handle(engine, "ledger", event) is True
        assert await _count(engine, processed_messages) == 2
    finally:
        await engine.dispose()


async def test_a_failed_handling_is_not_recorded_so_the_redelivery_is_processed(db_url):
    engine = make_engine(db_url)
    try:
        await create_plumbing_tables(engine)
        async with engine.begin() as conn:
            await conn.run_sync(service_metadata.create_all)
        event = new_event(EventType.referral_routed, uuid.uuid4())
        with pytest.raises(RuntimeError):
            await _handle(engine, "router", event, fail_after_effect=True)
        assert await _count(engine, processed_messages) == 0
        assert await _handle(engine, "router", event) is True
        assert await _count(engine, decisions) == 1
    finally:
        await engine.dispose()


async def test_concurrent_duplicates_are_processed_once(pg_schema_url):
    engine = make_engine(pg_schema_url)
    try:
        await create_plumbing_tables(engine)
        async with engine.begin() as conn:
            await conn.run_sync(service_metadata.create_all)
        event = new_event(EventType.provider_referral_raised, uuid.uuid4())
        outcomes = await asyncio.gather(*(_handle(engine, "notifier", event) for _ in range(5)))
        assert sorted(outcomes) == [False, False, False, False, True]
        assert await _count(engine, decisions) == 1
    finally:
        await engine.dispose()


async def test_record_processed_accepts_a_bare_event_id_and_a_session(db_url):
    from sqlalchemy.ext.asyncio import AsyncSession

    engine = make_engine(db_url)
    try:
        await create_plumbing_tables(engine)
        event_id = uuid.uuid4()
        async with AsyncSession(engine) as session, session.begin():
            assert await record_processed(session, "intake", event_id) is True
        async with AsyncSession(engine) as session, session.begin():
            assert await record_processed(session, "intake", event_id) is False
    finally:
        await engine.dispose()


async def test_a_batch_is_recorded_in_one_go_and_only_new_ids_come_back(db_url):
    engine = make_engine(db_url)
    try:
        await create_plumbing_tables(engine)
        first, second, third = (new_event(EventType.referral_submitted, uuid.uuid4()).eventId for _ in range(3))
        async with engine.begin() as conn:
            assert await record_many_processed(conn, "router", [first, second, first]) == {first, second}
        async with engine.begin() as conn:
            assert await record_many_processed(conn, "router", [second, third]) == {third}
            assert await record_many_processed(conn, "ledger", [second]) == {second}  # per consumer group
            assert await record_many_processed(conn, "router", []) == set()
        assert await _count(engine, processed_messages) == 4
    finally:
        await engine.dispose()


async def _processed_at(engine, group, ids, at) -> None:
    async with engine.begin() as conn:
        await record_many_processed(conn, group, ids)
        await conn.execute(update(processed_messages).where(processed_messages.c.event_id.in_(ids))
                           .values(processed_at=at))


async def test_records_older_than_the_keeping_period_are_forgotten_and_the_rest_still_count(db_url, monkeypatch):
    monkeypatch.setattr(inbox_module, "FORGET_BATCH", 3)  # several transactions, one ending inside a batch
    engine = make_engine(db_url)
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    ids = [new_event(EventType.referral_submitted, uuid.uuid4()).eventId for _ in range(12)]
    old, older, recent = ids[:5], ids[5:9], ids[9:]
    try:
        await create_plumbing_tables(engine)
        await _processed_at(engine, "router", old, now - timedelta(days=30, seconds=1))  # five share a time
        await _processed_at(engine, "ledger", older, now - timedelta(days=45))
        await _processed_at(engine, "router", recent, now - timedelta(days=29, hours=23))

        assert await forget_processed(engine, now - timedelta(days=30)) == len(old) + len(older)
        async with engine.connect() as conn:
            kept = set((await conn.execute(select(processed_messages.c.event_id))).scalars())
        assert kept == set(recent)
        assert await forget_processed(engine, now - timedelta(days=30)) == 0
        async with engine.begin() as conn:
            # A redelivery within the period still changes nothing; one from beyond it is new again.
            assert await record_many_processed(conn, "router", [recent[0], old[0]]) == {old[0]}
    finally:
        await engine.dispose()
