"""Transactional outbox: an event is stored in the same transaction as the change it announces,
and a relay (relay.py) publishes stored events in order, marking each one only once the broker
has it.

    async with engine.begin() as conn:
        ...  # the service's own writes
        await add_to_outbox(conn, event, topic=topics.decisions)
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, LargeBinary, String, Table, Uuid, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .db import plumbing_metadata
from .events import DomainEvent, encode_event
from .telemetry import correlation_id as current_correlation_id

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
