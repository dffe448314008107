"""The outbox relay: publishes stored events (outbox.py) in order, marking each one only once the
broker has it.

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
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from .broker.producer import AcknowledgedProducer, PublishFailed
from .events import CORRELATION_HEADER
from . import sweep
from .outbox import outbox

log = logging.getLogger(__name__)
PUBLISHED = Counter("pathways_outbox_published_total", "Events the outbox relay published", ["topic"])
RELAY_FAILURES = Counter("pathways_outbox_relay_failures_total", "Relay batches that failed and will be retried")


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
        return await sweep.sweep_published(self.engine, self.keep_published, now)

    async def forget_processed(self, now: datetime | None = None) -> int:
        return await sweep.forget_processed(self.engine, self.keep_processed, now)

    async def _sweep_when_due(self) -> None:
        if (self.keep_published is None and self.keep_processed is None) or (
                self._swept_at is not None and time.monotonic() - self._swept_at < self.sweep_interval):
            return
        self._swept_at = time.monotonic()
        for table, emptying in (("outbox", self.sweep_published), ("processed_messages", self.forget_processed)):
            try:
                await emptying()
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
