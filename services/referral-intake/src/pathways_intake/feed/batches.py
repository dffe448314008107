"""The record of each export fed (feed_batches) and of the first row naming each case in it
(feed_batch_cases), which is how a CRN repeated further down the same file is recognised."""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pathways_shared.contracts.characters import CONTROL_CHARACTERS
from pathways_shared.contracts.referral_v1 import Organisation

from ..adapters.tables import feed_batch_cases, feed_batches, feed_rejections
from .summary import BatchSummary

# The column's size, which is also the contract's limit for source.organisation.
ORGANISATION_MAX_CHARS = feed_batches.c.organisation.type.length


class OrganisationRefused(ValueError):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind   # the contract's problem type: string_too_long | control_character


_ORGANISATION = TypeAdapter(Organisation)


def export_organisation(value: str | None) -> str | None:
    """The organisation given for a whole export (None if blank), checked by the contract's rule
    for source.organisation before anything is fed. Raises OrganisationRefused."""
    value = (value or "").strip() or None
    if value is None:
        return None
    try:
        return _ORGANISATION.validate_python(value)
    except ValidationError as invalid:
        [error] = invalid.errors()   # too long stops the check before its characters are looked at
        if error["type"] == "string_too_long":
            raise OrganisationRefused(error["type"], f"the organisation is {len(value)} characters long; at most "
                                      f"{error['ctx']['max_length']} are taken") from None
        raise OrganisationRefused(error["type"], f"the organisation {error['msg']}") from None


async def start(engine: AsyncEngine, summary: BatchSummary, organisation: str | None) -> None:
    # Only a label for people to recognise the file by: kept printable rather than refused, and
    # told as kept (in the summary answered too).
    summary.source_name = CONTROL_CHARACTERS.sub("\ufffd", summary.source_name or "")[:200] or None
    async with engine.begin() as conn:
        await conn.execute(feed_batches.insert().values(
            batch_id=summary.batch_id, source_name=summary.source_name,
            format=summary.format, organisation=organisation, exported_at=summary.exported_at,
            started_at=summary.started_at, status=summary.status, summary=summary.counts()))


async def finish(engine: AsyncEngine, summary: BatchSummary) -> None:
    summary.finished_at = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(update(feed_batches).where(feed_batches.c.batch_id == summary.batch_id).values(
            status=summary.status, finished_at=summary.finished_at,
            summary={**summary.counts(), "file_problems": summary.file_problems}))


@dataclass(frozen=True)
class StoredBatch:
    summary: BatchSummary
    organisation: str | None
    rejections: dict[str, int]   # how many are open, resubmitted, resolved


async def load(engine: AsyncEngine, batch_id: uuid.UUID) -> StoredBatch | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(feed_batches).where(feed_batches.c.batch_id == batch_id))).one_or_none()
        if row is None:
            return None
        statuses = await conn.execute(select(feed_rejections.c.status, func.count())
                                      .where(feed_rejections.c.batch_id == batch_id)
                                      .group_by(feed_rejections.c.status))
        by_status = {"open": 0, "resubmitted": 0, "resolved": 0, **dict(statuses.all())}
    saved = dict(row.summary or {})
    summary = BatchSummary(row.batch_id, row.source_name, row.format, _aware(row.exported_at),
                           _aware(row.started_at), row.status,
                           _aware(row.finished_at) if row.finished_at else None,
                           file_problems=saved.pop("file_problems", []),
                           changed_fields=Counter(saved.pop("changed_fields", {})), **saved)
    return StoredBatch(summary, row.organisation, by_status)


async def first_lines(conn: AsyncConnection, batch_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Of these cases, those an earlier row of the batch already named, with that row's line."""
    if not ids:
        return {}
    rows = await conn.execute(select(feed_batch_cases.c.referral_id, feed_batch_cases.c.line).where(
        feed_batch_cases.c.batch_id == batch_id, feed_batch_cases.c.referral_id.in_(ids)))
    return dict(rows.all())


async def record_cases(conn: AsyncConnection, batch_id: uuid.UUID, cases: list[dict]) -> None:
    """cases: [{referral_id, line, outcome, changed_fields}] — each case's first row in the batch."""
    if cases:
        await conn.execute(feed_batch_cases.insert(), [{"batch_id": batch_id, **case} for case in cases])


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC
