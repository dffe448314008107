"""Referrals stored before the protected store existed hold their clear document in
`referrals.document`; the intake seals them when it starts, a batch per transaction."""
from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters.protected import ProtectedStore
from ..adapters.tables import referral_persons, referrals

BATCH = 200


async def seal_unsealed(engine: AsyncEngine, store: ProtectedStore) -> int:
    """How many were sealed. Every sealed referral names at least its index person, so a referral
    without persons is one still in clear."""
    sealed = 0
    unsealed = select(referrals.c.referral_id, referrals.c.document).where(
        ~exists().where(referral_persons.c.referral_id == referrals.c.referral_id)).limit(BATCH)
    while True:
        async with engine.begin() as conn:
            rows = (await conn.execute(unsealed)).all()
            if not rows:
                return sealed
            skeletons = await store.put_many(conn, [(row.referral_id, row.document) for row in rows])
            for row, skeleton in zip(rows, skeletons):
                await conn.execute(update(referrals).where(referrals.c.referral_id == row.referral_id)
                                   .values(document=skeleton))
        sealed += len(rows)
