"""A chunk of known cases revised together: every revision checked and bumped in one statement,
then the new skeletons (and when their ages next change) written in one more."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import bindparam, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import referrals


async def bump(conn: AsyncConnection, seen: dict[uuid.UUID, int], now: datetime) -> set[uuid.UUID]:
    """The next revision of each referral, unless someone else revised it since the revision seen;
    the ids bumped (the others were revised meanwhile)."""
    if not seen:
        return set()
    result = await conn.execute(
        update(referrals).where(tuple_(referrals.c.referral_id, referrals.c.revision).in_(list(seen.items())))
        .values(revision=referrals.c.revision + 1, updated_at=now).returning(referrals.c.referral_id))
    return {row.referral_id for row in result}


async def store_documents(conn: AsyncConnection, rows: list[tuple[uuid.UUID, dict, date | None]]) -> None:
    """Each bumped referral's skeleton and the day its announced ages next change (None: never known)."""
    if rows:
        await conn.execute(
            update(referrals).where(referrals.c.referral_id == bindparam("rid"))
            .values(document=bindparam("skeleton"), ages_change_on=bindparam("on"))
            .execution_options(synchronize_session=False),
            [{"rid": rid, "skeleton": skeleton, "on": on} for rid, skeleton, on in rows])
