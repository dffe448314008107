"""Emptying the plumbing tables (relay.py runs it when caught up): published outbox rows once kept
long enough, and the consumer's records of processed messages (inbox.py) likewise."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from . import inbox
from .outbox import outbox

log = logging.getLogger(__name__)
SWEPT = Counter("pathways_outbox_swept_total", "Published outbox rows deleted after their keeping period")
FORGOTTEN = Counter("pathways_inbox_forgotten_total", "Processed-message records deleted after their keeping period")
SWEEP_BATCH = 1000  # rows deleted a transaction, so a sweep never holds the write lock for long


async def sweep_published(engine: AsyncEngine, keep: timedelta | None, now: datetime | None = None) -> int:
    """Delete the rows published before `now - keep`, a batch a transaction; never an unpublished
    one, however old. Returns how many; none when nothing is to be deleted (or `keep` is None)."""
    if keep is None:
        return 0
    cutoff, swept = (now or datetime.now(UTC)) - keep, 0
    while True:
        async with engine.begin() as conn:
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


async def forget_processed(engine: AsyncEngine, keep: timedelta | None, now: datetime | None = None) -> int:
    """Delete the records of messages processed before `now - keep` (inbox.py)."""
    if keep is None:
        return 0
    before = (now or datetime.now(UTC)) - keep
    forgotten = await inbox.forget_processed(engine, before)
    if forgotten:
        FORGOTTEN.inc(forgotten)
        log.info("processed-message records deleted", extra={"rows": forgotten, "processed_before": before.isoformat()})
    return forgotten
