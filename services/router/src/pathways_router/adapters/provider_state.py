"""Reads and writes of what the router knows about providers now: capacity set at run time, open
provider referrals by person, duplicate presentations and persons awaiting capacity. Each inside
one caller-owned transaction, like repository.py."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.bulk import upsert
from pathways_shared.db import hold_for_change, lock_for_change

from ..domain.engine import PersonDecision
from .tables import awaiting_capacity, duplicate_presentations, open_referrals, provider_capacity, raised


async def lock_provider(conn: AsyncConnection, provider: str) -> None:
    """Serialise capacity changes of one provider (first in the transaction)."""
    await lock_for_change(conn, f"pathways.capacity:{provider}")


async def lock_open_referrals(conn: AsyncConnection, provider: str) -> None:
    """Serialise onward referrals to one provider, so that two at once for the same person cannot
    both find no open referral (first in the transaction)."""
    await lock_for_change(conn, _open_referrals(provider))


async def hold_open_referrals(conn: AsyncConnection, providers: list[str]) -> None:
    """The same locks for every provider a routing may raise referrals for, taken before it reads
    the open referrals: an onward referral at the same time waits for the routing, then finds what
    it raised, rather than raising a second referral for the same person."""
    await hold_for_change(conn, map(_open_referrals, providers))


def _open_referrals(provider: str) -> str:
    return f"pathways.open-referrals:{provider}"


async def capacity_overrides(conn: AsyncConnection) -> dict[str, dict]:
    return {r.provider: dict(r._mapping) for r in await conn.execute(select(provider_capacity))}


async def set_capacity(conn: AsyncConnection, provider: str, capacity: str, by: str, at: datetime) -> None:
    await upsert(conn, provider_capacity, [{"provider": provider, "capacity": capacity, "changed_at": at,
                                            "changed_by": by}], ["provider"])


async def open_for(conn: AsyncConnection, pseudonyms: list[str]) -> list:
    """Open provider referrals of these persons (rows with pseudonym, provider, provider_referral_id)."""
    wanted = [p for p in pseudonyms if p]
    if not wanted:
        return []
    query = select(open_referrals).where(open_referrals.c.pseudonym.in_(wanted)).order_by(open_referrals.c.opened_at)
    return list(await conn.execute(query))


async def record_open(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID,
                      provider: str, subjects: dict[str, str]) -> None:
    """subjects: person_ref → pseudonym of the persons the provider referral was raised for."""
    rows = [{"provider_referral_id": provider_referral_id, "pseudonym": pseudonym, "provider": provider,
             "referral_id": referral_id, "person_ref": ref, "opened_at": datetime.now(UTC)}
            for ref, pseudonym in subjects.items() if pseudonym]
    if rows:  # a re-raise adds persons; those already open keep their opened_at
        await conn.execute(insert_new(conn, open_referrals), rows)


def insert_new(conn: AsyncConnection, table):
    """INSERT that leaves an existing row (same key) as it is."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table).on_conflict_do_nothing()


async def close_open(conn: AsyncConnection, provider_referral_id: uuid.UUID) -> None:
    await conn.execute(delete(open_referrals).where(open_referrals.c.provider_referral_id == provider_referral_id))


async def record_duplicate(conn: AsyncConnection, referral_id: uuid.UUID, provider: str, person_ref: str,
                           pseudonym: str, open_id: uuid.UUID) -> bool:
    """True the first time this presentation is linked to this open provider referral."""
    # RETURNING rather than rowcount: the async PostgreSQL driver reports no row count here.
    statement = insert_new(conn, duplicate_presentations).returning(duplicate_presentations.c.pseudonym)
    done = await conn.execute(statement, {
        "referral_id": referral_id, "provider": provider, "person_ref": person_ref, "pseudonym": pseudonym,
        "open_provider_referral_id": open_id, "recorded_at": datetime.now(UTC)})
    return done.first() is not None


def awaiting_rows(referral_id: uuid.UUID, waiting: list[PersonDecision], queued: dict) -> list[dict]:
    """queued: (provider, person_ref) → queued_at of those already waiting."""
    now = datetime.now(UTC)
    return [{"referral_id": referral_id, "provider": d.provider, "person_ref": d.person_ref,
             "decision": d.decision.value, "queued_at": queued.get((d.provider, d.person_ref), now)}
            for d in waiting]


async def households_awaiting(conn: AsyncConnection, provider: str, decisions: list[str]) -> list[uuid.UUID]:
    """Households with someone waiting for `provider` with one of `decisions`, first arrival first."""
    first = func.min(awaiting_capacity.c.queued_at)
    rows = await conn.execute(
        select(awaiting_capacity.c.referral_id, first.label("first"))
        .where(awaiting_capacity.c.provider == provider, awaiting_capacity.c.decision.in_(decisions))
        .group_by(awaiting_capacity.c.referral_id).order_by(first, awaiting_capacity.c.referral_id))
    return [r.referral_id for r in rows]


async def load_raised(conn: AsyncConnection, provider_referral_id: uuid.UUID):
    return (await conn.execute(select(raised).where(raised.c.provider_referral_id == provider_referral_id))
            ).one_or_none()


async def save_onward(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID, provider: str,
                      persons: list[dict], parent_id: uuid.UUID) -> None:
    await conn.execute(raised.insert(), [{
        "provider_referral_id": provider_referral_id, "referral_id": referral_id, "provider": provider,
        "revision": 1, "persons": persons, "raised_at": datetime.now(UTC), "parent_provider_referral_id": parent_id}])
