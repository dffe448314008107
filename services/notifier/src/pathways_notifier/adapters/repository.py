"""Reads and writes of deliveries, each inside a caller-owned transaction."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.delivery import Status
from .tables import deliveries

SUMMARY = [c for c in deliveries.columns if c.name != "persons"]


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


async def add_delivery(conn: AsyncConnection, row: dict) -> bool:
    """Store a new pending delivery; False when that webhook id already exists."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(deliveries)
    now = datetime.now(UTC)
    values = {"status": Status.pending.value, "attempts": 0, "next_attempt_at": now, "created_at": now, **row}
    stmt = insert.values(**values).on_conflict_do_nothing().returning(deliveries.c.webhook_id)
    return (await conn.execute(stmt)).first() is not None


async def claim_due(conn: AsyncConnection, now: datetime, lease: timedelta, limit: int) -> list:
    """Due pending deliveries, leased to this worker by moving next_attempt_at past the attempt.
    A worker that dies mid-attempt leaves the row due again when the lease runs out."""
    query = (select(deliveries).where(deliveries.c.status == Status.pending.value,
                                      deliveries.c.next_attempt_at <= now)
             .order_by(deliveries.c.next_attempt_at).limit(limit))
    if conn.dialect.name == "postgresql":  # concurrent workers each take different rows
        query = query.with_for_update(skip_locked=True)
    rows = (await conn.execute(query)).all()
    if rows:
        await conn.execute(update(deliveries).where(deliveries.c.webhook_id.in_([r.webhook_id for r in rows]))
                           .values(next_attempt_at=now + lease))
    return rows


async def record_attempt(conn: AsyncConnection, webhook_id: str, **values) -> bool:
    """Record an attempt's outcome on a still-pending delivery; False if it is no longer pending."""
    result = await conn.execute(update(deliveries).where(deliveries.c.webhook_id == webhook_id,
                                                         deliveries.c.status == Status.pending.value)
                                .values(**values).returning(deliveries.c.webhook_id))
    return result.first() is not None


async def cancel_pending(conn: AsyncConnection, provider_referral_id, why: str) -> list[str]:
    """Cancel every still-pending delivery of a provider referral (any revision, any channel); the
    ids cancelled. One that is in flight now cannot record its outcome any more."""
    result = await conn.execute(update(deliveries).where(deliveries.c.provider_referral_id == provider_referral_id,
                                                         deliveries.c.status == Status.pending.value)
                                .values(status=Status.cancelled.value, last_error=why)
                                .returning(deliveries.c.webhook_id))
    return [r.webhook_id for r in result]


async def reschedule(conn: AsyncConnection, webhook_id: str, at: datetime, reason: str) -> None:
    await conn.execute(update(deliveries).where(deliveries.c.webhook_id == webhook_id)
                       .values(next_attempt_at=at, last_error=reason))


async def list_deliveries(conn: AsyncConnection, status: str | None = None, provider: str | None = None,
                          limit: int = 500) -> list[dict]:
    query = select(*SUMMARY).order_by(deliveries.c.created_at).limit(limit)
    if status:
        query = query.where(deliveries.c.status == status)
    if provider:
        query = query.where(deliveries.c.provider == provider)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def get_delivery(conn: AsyncConnection, webhook_id: str):
    return (await conn.execute(select(deliveries).where(deliveries.c.webhook_id == webhook_id))).one_or_none()


async def replay(conn: AsyncConnection, webhook_ids: list[str] | None = None) -> list[str]:
    """Put dead-lettered deliveries back to pending, due now, attempts 0 (None: every dead one).
    Pending ones may be in flight and delivered ones were acknowledged: both are left alone."""
    query = (update(deliveries).where(deliveries.c.status == Status.dead.value)
             .values(status=Status.pending.value, attempts=0, next_attempt_at=datetime.now(UTC)))
    if webhook_ids is not None:
        query = query.where(deliveries.c.webhook_id.in_(webhook_ids))
    return [r.webhook_id for r in await conn.execute(query.returning(deliveries.c.webhook_id))]


def summary(row: dict) -> dict:
    """A delivery as JSON-ready data (no persons: pseudonyms stay inside)."""
    out = {k: v for k, v in row.items() if k != "persons"}
    for key in ("next_attempt_at", "raised_at", "created_at", "delivered_at"):
        out[key] = utc(out[key]).isoformat() if out.get(key) else None
    for key in ("provider_referral_id", "referral_id"):
        out[key] = str(out[key])
    return out
