"""Transactional outbox: an event is stored in the same transaction as the change it announces,
and a relay publishes stored events in order, marking each one only once the broker has it.

    async with engine.begin() as conn:
        ...  # the service's own writes
        await add_to_outbox(conn, event, topic=topics.decisions)

    relay = OutboxRelay(engine, settings.kafka_bootstrap_servers); relay.start()

Run one relay per service database: rows are published in id order, so a second relay would
only add duplicates. A broker outage leaves rows unpublished and the relay retries with backoff.
Published rows are kept for `keep_published` (OUTBOX_KEEP_PUBLISHED_HOURS), then the relay deletes
them: the broker and the ledger hold the events, and an outbox that is never emptied grows with
every event the service has ever written. The same sweep forgets the consumer's records of
processed messages older than `keep_processed` (INBOX_KEEP_PROCESSED_HOURS, inbox.py), the
other plumbing table that would otherwise grow for ever.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import (
    BigInteger, Column, DateTime, Index, Integer, LargeBinary, String, Table, Uuid, delete, insert, select,
    text, update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from .db import plumbing_metadata
from .events import CORRELATION_HEADER, DomainEvent, encode_event
from .inbox import forget_processed
from .broker.producer import AcknowledgedProducer, PublishFailed
from .telemetry import correlation_id as current_correlation_id

log = logging.getLogger(__name__)
PUBLISHED = Counter("pathways_outbox_published_total", "Events the outbox relay published", ["topic"])
RELAY_FAILURES = Counter("pathways_outbox_relay_failures_total", "Relay batches that failed and will be retried")
SWEPT = Counter("pathways_outbox_swept_total", "Published outbox rows deleted after their keeping period")
FORGOTTEN = Counter("pathways_inbox_forgotten_total", "Processed-message records deleted after their keeping period")
SWEEP_BATCH = 1000  # rows deleted a transaction, so a sweep never holds the write lock for long

outbox = Table(
    "outbox", plumbing_metadata,
    # INTEGER on SQLite so the id is the rowid and increases; BIGINT identity elsewhere.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("message_key", String(100), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("correlation_id", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL"),
          sqlite_where=text("published_at IS NULL")),
    # The sweep finds rows published long enough ago here: on SQLite, reading published_at from
    # the row itself would read the whole payload before it (an overflow chain for a routed event).
    Index("ix_outbox_published_at", "published_at"),
)


async def add_to_outbox(conn: AsyncConnection | AsyncSession, event: DomainEvent, *, topic: str,
                        correlation_id: str | None = None) -> None:
    """Store `event` for publishing, inside the caller's transaction (the caller commits)."""
    await add_many_to_outbox(conn, [event], topic=topic, correlation_id=correlation_id)


async def add_many_to_outbox(conn: AsyncConnection | AsyncSession, events: list[DomainEvent], *, topic: str,
                             correlation_id: str | None = None) -> None:
    """Store several events in one statement, in order, inside the caller's transaction."""
    if not events:
        return
    correlation, now = correlation_id or current_correlation_id.get(), datetime.now(UTC)
    await conn.execute(insert(outbox), [
        {"event_id": e.eventId, "event_type": str(e.eventType), "topic": topic, "message_key": str(e.referralId),
         "payload": encode_event(e), "correlation_id": correlation, "created_at": now} for e in events])


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, bootstrap_servers: str, *, batch_size: int = 200,
                 poll_interval: float = 0.2, ack_timeout: float = 10.0, max_backoff: float = 5.0,
                 keep_published: timedelta | None = None, keep_processed: timedelta | None = None,
                 sweep_interval: float = 3600.0) -> None:
        self.engine = engine
        self.keep_published, self.keep_processed = keep_published, keep_processed
        self.sweep_interval = sweep_interval
        self._swept_at: float | None = None
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.producer = AcknowledgedProducer(bootstrap_servers, ack_timeout=ack_timeout)
        self.published = 0
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    @classmethod
    def from_settings(cls, engine: AsyncEngine, settings, **kwargs) -> "OutboxRelay":
        kwargs.setdefault("batch_size", settings.outbox_batch_size)
        kwargs.setdefault("poll_interval", settings.outbox_poll_interval_ms / 1000)
        kwargs.setdefault("keep_published", timedelta(hours=settings.outbox_keep_published_hours))
        kwargs.setdefault("keep_processed", timedelta(hours=settings.inbox_keep_processed_hours))
        return cls(engine, settings.kafka_bootstrap_servers, **kwargs)

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; returns how many the broker acknowledged.
        Raises when some could not be published (those stay unpublished)."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(outbox.c.id, outbox.c.topic, outbox.c.message_key, outbox.c.payload,
                       outbox.c.correlation_id)
                .where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(self.batch_size)
            )).all()
        if not rows:
            return 0
        messages = [(r.topic, r.message_key.encode(), r.payload,
                     [(CORRELATION_HEADER, r.correlation_id.encode())] if r.correlation_id else [])
                    for r in rows]
        acked, error = await asyncio.to_thread(self.producer.send_all, messages)
        if acked:
            async with self.engine.begin() as conn:
                await conn.execute(update(outbox).where(outbox.c.id.in_([rows[i].id for i in acked]))
                                   .values(published_at=datetime.now(UTC)))
            for i in acked:
                PUBLISHED.labels(rows[i].topic).inc()
            self.published += len(acked)
        if error is not None:
            raise PublishFailed(f"{len(rows) - len(acked)} of {len(rows)} events not acknowledged") from error
        return len(acked)

    async def sweep_published(self, now: datetime | None = None) -> int:
        """Delete the rows published before `now - keep_published`, a batch a transaction; never an
        unpublished one, however old. Returns how many; none when nothing is to be deleted."""
        if self.keep_published is None:
            return 0
        cutoff, swept = (now or datetime.now(UTC)) - self.keep_published, 0
        while True:
            async with self.engine.begin() as conn:
                ids = (await conn.execute(
                    select(outbox.c.id).where(outbox.c.published_at < cutoff)
                    .order_by(outbox.c.published_at).limit(SWEEP_BATCH))).scalars().all()
                if not ids:
                    break
                await conn.execute(delete(outbox).where(outbox.c.id.in_(ids)))
            swept += len(ids)
            SWEPT.inc(len(ids))
        if swept:
            log.info("published outbox rows deleted", extra={"rows": swept, "published_before": cutoff.isoformat()})
        return swept

    async def forget_processed(self, now: datetime | None = None) -> int:
        """Delete the records of messages processed before `now - keep_processed` (inbox.py)."""
        if self.keep_processed is None:
            return 0
        before = (now or datetime.now(UTC)) - self.keep_processed
        forgotten = await forget_processed(self.engine, before)
        if forgotten:
            FORGOTTEN.inc(forgotten)
            log.info("processed-message records deleted", extra={"rows": forgotten,
                                                                  "processed_before": before.isoformat()})
        return forgotten

    async def _sweep_when_due(self) -> None:
        if (self.keep_published is None and self.keep_processed is None) or (
                self._swept_at is not None and time.monotonic() - self._swept_at < self.sweep_interval):
            return
        self._swept_at = time.monotonic()
        for table, sweep in (("outbox", self.sweep_published), ("processed_messages", self.forget_processed)):
            try:
                await sweep()
            except Exception as exc:  # the next interval tries again; publishing goes on meanwhile
                log.warning("outbox sweep failed", extra={"table": table, "error": f"{type(exc).__name__}: {exc}"})

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            try:
                count = await self.publish_pending()
                backoff, self.last_error = 0.1, None
            except Exception as exc:  # broker or database down: keep the rows and try again
                RELAY_FAILURES.inc()
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay will retry", extra={"error": self.last_error, "retry_in_s": backoff})
                await asyncio.to_thread(self.producer.close, 0)
                await self._pause(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if count < self.batch_size:  # caught up: a sweep now never delays publishing
                await self._sweep_when_due()
                await self._pause(self.poll_interval)

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    def wake(self) -> None:
        """Publish now rather than at the next poll (call after committing new outbox rows)."""
        self._wake.set()

    def start(self) -> asyncio.Task:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="outbox-relay")
        return self._task

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await asyncio.to_thread(self.producer.close, self.producer.ack_timeout)
