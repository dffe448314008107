"""Reads and writes of the intake's tables inside one caller-owned transaction."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import deliveries, referrals, routings


def dialect_insert(conn: AsyncConnection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def upsert(conn: AsyncConnection, table, row: dict, keys: list[str], updates: list[str]) -> None:
    """Insert the row, or on a key conflict overwrite only the `updates` columns (none: keep it)."""
    stmt = dialect_insert(conn, table).values(row)
    if updates:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in updates})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    await conn.execute(stmt)


async def load_referral(conn: AsyncConnection, referral_id: uuid.UUID):
    return (await conn.execute(select(referrals).where(referrals.c.referral_id == referral_id))).one_or_none()


async def add_referral(conn: AsyncConnection, referral_id: uuid.UUID, document: dict, content_hash: str,
                       source_type: str, received_at: datetime, ages_change_on: date | None = None) -> None:
    """Raises IntegrityError when the id is already taken (a concurrent submission won)."""
    await conn.execute(referrals.insert().values(
        referral_id=referral_id, revision=1, document=document, content_hash=content_hash,
        source_type=source_type, received_at=received_at, updated_at=received_at, ages_change_on=ages_change_on))


async def add_referrals(conn: AsyncConnection, rows: list[dict], received_at: datetime) -> set[uuid.UUID]:
    """add_referral for many (rows: referral_id, document, content_hash, source_type) in one
    statement; the ids inserted, leaving out those a concurrent writer had already taken."""
    result = await conn.execute(
        dialect_insert(conn, referrals).on_conflict_do_nothing(index_elements=["referral_id"])
        .returning(referrals.c.referral_id),
        [{**row, "revision": 1, "received_at": received_at, "updated_at": received_at} for row in rows])
    return {row.referral_id for row in result}


async def revise_document(conn: AsyncConnection, referral_id: uuid.UUID, seen_revision: int,
                          document: dict) -> bool:
    """Store the next revision, unless someone else revised it since `seen_revision`."""
    result = await conn.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral_id, referrals.c.revision == seen_revision)
        .values(revision=seen_revision + 1, document=document, updated_at=datetime.now(UTC)))
    return result.rowcount == 1


async def load_routing(conn: AsyncConnection, referral_id: uuid.UUID):
    return (await conn.execute(select(routings).where(routings.c.referral_id == referral_id))).one_or_none()


async def save_routing(conn: AsyncConnection, referral_id: uuid.UUID, revision: int, as_of, rulebook_version: str,
                       decisions: list[dict]) -> None:
    await upsert(conn, routings, {"referral_id": referral_id, "revision": revision, "as_of": as_of,
                                  "rulebook_version": rulebook_version, "decisions": decisions,
                                  "routed_at": datetime.now(UTC)},
                 ["referral_id"], ["revision", "as_of", "rulebook_version", "decisions", "routed_at"])


async def note_provider_referral(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID,
                                 provider: str | None = None, delivery: str | None = None,
                                 attempts: int | None = None) -> None:
    """Record what an event says about a provider referral, keeping what it does not say."""
    row = {"provider_referral_id": provider_referral_id, "referral_id": referral_id, "provider": provider,
           "delivery": delivery or "pending", "attempts": attempts or 0, "updated_at": datetime.now(UTC)}
    said = [name for name, value in (("provider", provider), ("delivery", delivery), ("attempts", attempts))
            if value is not None]
    await upsert(conn, deliveries, row, ["provider_referral_id"], said + ["updated_at"] if said else [])


async def provider_referrals_of(conn: AsyncConnection, referral_id: uuid.UUID) -> list:
    rows = await conn.execute(select(deliveries).where(deliveries.c.referral_id == referral_id)
                              .order_by(deliveries.c.provider, deliveries.c.provider_referral_id))
    return rows.all()
