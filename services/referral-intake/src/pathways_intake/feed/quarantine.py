"""Rows that could not be applied, kept (feed_rejections) until corrected: a later export that
carries the case again marks them resubmitted, as does a corrected row sent for that line. A row
that named no case (no usable CRN, or no cells at all) can only be settled for its line."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..adapters.tables import feed_rejections

PAGE = 1000
LAST_LINE = 2 ** 31 - 1   # feed_rejections.line is a 32-bit integer on PostgreSQL


class RejectionStatus(StrEnum):
    open = "open"
    resubmitted = "resubmitted"   # the case was accepted later (a later export, or a corrected row)
    resolved = "resolved"         # settled by a person without resubmitting


async def quarantine(conn: AsyncConnection, batch_id: uuid.UUID, rejected: list[dict]) -> None:
    """rejected: [{line, referral_id (or None), raw, problems}]."""
    if rejected:
        now = datetime.now(UTC)
        await conn.execute(feed_rejections.insert(), [
            {"batch_id": batch_id, "status": RejectionStatus.open.value, "created_at": now, **r,
             "raw": r["raw"].replace("\x00", "\ufffd")}  # PostgreSQL text cannot hold a NUL
            for r in rejected])


async def settle_cases(conn: AsyncConnection, ids: list[uuid.UUID], *, settled_by: str,
                       except_batch: uuid.UUID | None = None) -> int:
    """Mark the open rejections of these cases resubmitted (not those of `except_batch`: a
    repeated CRN further down the same export is not corrected by the row before it)."""
    if not ids:
        return 0
    where = [feed_rejections.c.referral_id.in_(ids), feed_rejections.c.status == RejectionStatus.open.value]
    if except_batch is not None:
        where.append(feed_rejections.c.batch_id != except_batch)
    result = await conn.execute(update(feed_rejections).where(*where).values(
        status=RejectionStatus.resubmitted.value, settled_at=datetime.now(UTC), settled_by=settled_by))
    return result.rowcount


async def settle_line(conn: AsyncConnection, batch_id: uuid.UUID, line: int, status: RejectionStatus,
                      settled_by: str) -> bool:
    """Settle the line's rejection if it is still open; False if it is not (or there is none), so
    that a settled rejection is never settled again differently."""
    if not _possible(line):
        return False
    result = await conn.execute(update(feed_rejections).where(
        feed_rejections.c.batch_id == batch_id, feed_rejections.c.line == line,
        feed_rejections.c.status == RejectionStatus.open.value).values(
        status=status.value, settled_at=datetime.now(UTC), settled_by=settled_by))
    return result.rowcount == 1


async def rejection(conn: AsyncConnection, batch_id: uuid.UUID, line: int):
    if not _possible(line):
        return None
    return (await conn.execute(select(feed_rejections).where(
        feed_rejections.c.batch_id == batch_id, feed_rejections.c.line == line))).one_or_none()


def _possible(line: int) -> bool:
    """A line the table could hold; any other number names no rejection (and the databases would
    refuse it differently: SQLite past 64 bits, PostgreSQL past 32)."""
    return 1 <= line <= LAST_LINE


async def rejections(engine: AsyncEngine, batch_id: uuid.UUID, status: str | None = None) -> AsyncIterator:
    """The batch's rejections in line order, a page at a time (a bad file may have many)."""
    after = 0
    while True:
        query = (select(feed_rejections.c.line, feed_rejections.c.problems, feed_rejections.c.status)
                 .where(feed_rejections.c.batch_id == batch_id, feed_rejections.c.line > after)
                 .order_by(feed_rejections.c.line).limit(PAGE))
        if status:
            query = query.where(feed_rejections.c.status == status)
        async with engine.connect() as conn:
            page = (await conn.execute(query)).all()
        for row in page:
            yield row
        if len(page) < PAGE:
            return
        after = page[-1].line
