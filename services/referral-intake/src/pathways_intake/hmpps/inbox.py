"""The HMPPS inbox: every message kept as received, with where it has got to.

received → applied | skipped | failed, or → unresolved (retried when due) → applied | skipped.
Each function works inside a caller-owned transaction.
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..adapters.repository import upsert
from ..adapters.tables import hmpps_inbox


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InboxStatus(StrEnum):
    received = "received"
    applied = "applied"
    skipped = "skipped"
    unresolved = "unresolved"
    failed = "failed"


def storable(text: str | None) -> str | None:
    """Neither database's text can hold NUL or half a UTF-16 pair (a JSON escape may leave one);
    a message carrying either is malformed anyway."""
    return _UNSTORABLE.sub("\ufffd", text) if text else text


def utc_now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment  # SQLite: naive UTC


async def record_received(conn: AsyncConnection, message_id: str, raw: str, event_type: str | None,
                          now: datetime) -> None:
    """Keep the message; a message already kept (a redelivery or a duplicate) is left as it is."""
    await upsert(conn, hmpps_inbox, {
        "id": message_id, "raw": storable(raw), "event_type": storable(event_type), "received_at": now,
        "status": InboxStatus.received.value, "attempts": 0, "updated_at": now,
    }, ["id"], [])


async def load(conn: AsyncConnection, message_id: str):
    return (await conn.execute(select(hmpps_inbox).where(hmpps_inbox.c.id == message_id))).one_or_none()


async def settle(conn: AsyncConnection, message_id: str, status: InboxStatus, *, attempts: int,
                 error: str | None = None, outcome: str | None = None, referral_id: uuid.UUID | None = None,
                 next_attempt_at: datetime | None = None, occurred_at: datetime | None = None) -> None:
    await conn.execute(update(hmpps_inbox).where(hmpps_inbox.c.id == message_id).values(
        status=status.value, attempts=attempts, last_error=storable(error[:500]) if error else None, outcome=outcome,
        referral_id=referral_id, next_attempt_at=next_attempt_at, updated_at=utc_now(),
        occurred_at=occurred_at.astimezone(UTC) if occurred_at else None))  # SQLite keeps no offset: UTC only


async def newest_applied(conn: AsyncConnection, referral_id: uuid.UUID) -> datetime | None:
    """When the latest event applied to the case occurred (None: no event has been)."""
    newest = (await conn.execute(select(func.max(hmpps_inbox.c.occurred_at)).where(
        hmpps_inbox.c.referral_id == referral_id, hmpps_inbox.c.status == InboxStatus.applied.value))).scalar()
    return aware(newest)


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list:
    """Unresolved messages whose next attempt is due, oldest first."""
    rows = await conn.execute(
        select(hmpps_inbox)
        .where(hmpps_inbox.c.status == InboxStatus.unresolved.value, hmpps_inbox.c.next_attempt_at <= now)
        .order_by(hmpps_inbox.c.next_attempt_at, hmpps_inbox.c.received_at).limit(limit))
    return rows.all()


async def claim(conn: AsyncConnection, row, until: datetime) -> bool:
    """Take a due message for one retry: push its next attempt out to `until`, unless another
    worker has already done so (it then sees a different next_attempt_at)."""
    result = await conn.execute(
        update(hmpps_inbox)
        .where(hmpps_inbox.c.id == row.id, hmpps_inbox.c.status == InboxStatus.unresolved.value,
               hmpps_inbox.c.next_attempt_at == row.next_attempt_at)
        .values(next_attempt_at=until, updated_at=utc_now()))
    return result.rowcount == 1


async def unresolved(conn: AsyncConnection, limit: int) -> list:
    rows = await conn.execute(
        select(hmpps_inbox.c.id, hmpps_inbox.c.event_type, hmpps_inbox.c.received_at, hmpps_inbox.c.attempts,
               hmpps_inbox.c.next_attempt_at, hmpps_inbox.c.last_error)
        .where(hmpps_inbox.c.status == InboxStatus.unresolved.value)
        .order_by(hmpps_inbox.c.received_at, hmpps_inbox.c.id).limit(limit))
    return rows.all()
