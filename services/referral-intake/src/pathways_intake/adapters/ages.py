"""When each referral's ages next change (`referrals.ages_change_on`), kept beside the referral so
the birthday job (service_layer.ages) finds the households to announce again without opening any
date of birth until that day."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import referrals


async def note_next_change(conn: AsyncConnection, changes: Iterable[tuple[uuid.UUID, date | None]]) -> None:
    """Record, per referral, the day someone's announced age next changes (None: never known)."""
    rows = [{"rid": referral_id, "on": on} for referral_id, on in changes]
    if rows:
        await conn.execute(update(referrals).where(referrals.c.referral_id == bindparam("rid"))
                           .values(ages_change_on=bindparam("on")).execution_options(synchronize_session=False),
                           rows)


async def due(conn: AsyncConnection, today: date, limit: int) -> list:
    """Referrals (id, revision, document) with an age changed on or before `today`, earliest first;
    locked on PostgreSQL, skipping those another worker holds."""
    query = (select(referrals.c.referral_id, referrals.c.revision, referrals.c.document)
             .where(referrals.c.ages_change_on <= today).order_by(referrals.c.ages_change_on).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return (await conn.execute(query)).all()


async def revise_for_ages(conn: AsyncConnection, referral_id: uuid.UUID, seen_revision: int,
                          next_change: date | None) -> bool:
    """The next revision, announcing ages only: the document and `updated_at` stay (a birthday is
    not activity, so it does not extend retention). False when revised meanwhile."""
    result = await conn.execute(
        update(referrals).where(referrals.c.referral_id == referral_id, referrals.c.revision == seen_revision)
        .values(revision=seen_revision + 1, ages_change_on=next_change))
    return result.rowcount == 1
