"""The consuming side: idempotent handling and dead letters.

Delivery is at least once, so a consumer records each event id in `processed_messages` in the
same transaction as its effect, and skips the effect when the id was already there:

    async with engine.begin() as conn:
        if await record_processed(conn, "router", event):
            ...  # the effect, committed together with the record

The records are kept for a period (INBOX_KEEP_PROCESSED_HOURS, longer than a message can still
be redelivered), then deleted by the service's outbox relay with its own sweep (forget_processed),
so the table holds a period's messages, not every message the service has ever handled.

A message that can never be processed (undecodable, invalid, or a handler raising
MalformedEvent) is published with its error to `<topic>.dlq` and acknowledged, so one bad
message does not stop the partition. Any other handler error is retried.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime

from faststream import BaseMiddleware
from faststream.exceptions import IgnoredException
from pydantic import ValidationError
from sqlalchemy import Column, DateTime, Index, String, Table, Uuid, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from .broker.topics import dead_letter_topic
from .db import plumbing_metadata
from .events import DomainEvent, MalformedEvent
from .jsonsafe import JSONTooDeep, JSONUnreadable

log = logging.getLogger(__name__)

processed_messages = Table(
    "processed_messages", plumbing_metadata,
    Column("consumer_group", String(100), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    # Records are forgotten oldest first; processed_at only grows, so this index is appended to.
    Index("ix_processed_messages_processed_at", "processed_at"),
)
FORGET_BATCH = 1000  # records deleted a transaction, so forgetting never holds the write lock for long

# Errors that mean the message itself is at fault, so retrying it can never help.
DEAD_LETTER_ERRORS: tuple[type[Exception], ...] = (
    MalformedEvent, ValidationError, json.JSONDecodeError, JSONTooDeep, JSONUnreadable, UnicodeDecodeError,
)


async def record_processed(conn: AsyncConnection | AsyncSession, consumer_group: str,
                           event: DomainEvent | uuid.UUID) -> bool:
    """Record the event as processed by `consumer_group`, in the caller's transaction.

    Returns True the first time (go ahead with the effect) and False when it was already
    processed (skip the effect). Concurrent duplicates are safe: the primary key decides.
    """
    event_id = event.eventId if isinstance(event, DomainEvent) else event
    values = {"consumer_group": consumer_group, "event_id": event_id, "processed_at": datetime.now(UTC)}
    dialect = (conn.dialect if isinstance(conn, AsyncConnection) else conn.get_bind().dialect).name
    if dialect in ("postgresql", "sqlite"):
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (dialect_insert(processed_messages).values(**values).on_conflict_do_nothing()
                     .returning(processed_messages.c.event_id))  # rowcount is not reliable here
        return (await conn.execute(statement)).first() is not None
    try:
        async with conn.begin_nested():
            await conn.execute(insert(processed_messages).values(**values))
        return True
    except IntegrityError:
        return False


async def record_many_processed(conn: AsyncConnection, consumer_group: str,
                                event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """record_processed for a batch of events in one statement: the ids recorded now (those not
    processed before). PostgreSQL and SQLite."""
    if not event_ids:
        return set()
    now = datetime.now(UTC)
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # Many parameter sets for one statement: compiled once, where values written into the
    # statement would compile it again for every batch.
    statement = (dialect_insert(processed_messages).on_conflict_do_nothing()
                 .returning(processed_messages.c.event_id))  # rowcount is not reliable here
    rows = [{"consumer_group": consumer_group, "event_id": i, "processed_at": now} for i in dict.fromkeys(event_ids)]
    return {row.event_id for row in await conn.execute(statement, rows)}


async def forget_processed(engine: AsyncEngine, before: datetime) -> int:
    """Delete the records of messages processed before `before`, oldest first, about FORGET_BATCH
    a transaction (a batch's records share a time, so one may take a few more); returns how many.
    A message redelivered after its record is gone is handled again, so `before` must lie further
    back than any message can still be redelivered from."""
    when, forgotten = processed_messages.c.processed_at, 0
    while True:
        async with engine.begin() as conn:
            edge = (await conn.execute(select(when).where(when < before).order_by(when)
                                       .offset(FORGET_BATCH - 1).limit(1))).scalar()
            done = await conn.execute(delete(processed_messages).where(when <= edge if edge is not None
                                                                       else when < before))
        forgotten += done.rowcount
        if edge is None:
            return forgotten


def describe_error(exc: BaseException) -> str:
    """The error without the offending input, which may hold personal data."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or '<body>'}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return f"{type(exc).__name__} at position {getattr(exc, 'pos', getattr(exc, 'start', '?'))}"
    return str(exc)[:500]


class DeadLetterMiddleware(BaseMiddleware):
    """FastStream middleware: dead-letter malformed messages, slow down retries of the rest."""

    retry_delay = 1.0  # seconds before a failed message is redelivered; spares a failing dependency

    async def after_processed(self, exc_type=None, exc_val=None, exc_tb=None) -> bool | None:
        if not isinstance(exc_val, Exception) or isinstance(exc_val, IgnoredException):
            return False
        record = self.msg
        if not isinstance(exc_val, DEAD_LETTER_ERRORS) or not hasattr(record, "topic"):
            await asyncio.sleep(self.retry_delay)
            return False
        await dead_letter(self.context.get("broker"), record, exc_val)
        return True  # handled: the message is acknowledged and consumption carries on


async def dead_letter(broker, record, exc: BaseException) -> None:
    """Publish the Kafka record as received to `<topic>.dlq`, with why it can never be processed
    (also used by batch consumers, which dead-letter their bad records themselves)."""
    reason = describe_error(exc)
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ()) if v is not None}
    headers.update({
        "dead-letter-error": type(exc).__name__,
        "dead-letter-reason": reason,
        "dead-letter-source": f"{record.topic}/{record.partition}/{record.offset}",
    })
    await broker.publish(record.value or b"", topic=dead_letter_topic(record.topic), key=record.key,
                         headers=headers)
    log.warning("message dead-lettered", extra={
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
        "error_type": type(exc).__name__, "reason": reason,
    })
