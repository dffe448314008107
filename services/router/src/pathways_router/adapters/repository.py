"""Reads and writes of the router's state inside one caller-owned transaction."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.engine import PersonDecision
from ..domain.outcomes import Decision
from .tables import decisions, households, raised, reevaluations, triage


def _insert(conn: AsyncConnection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def upsert(conn: AsyncConnection, table, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    stmt = _insert(conn, table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates), rows)


async def save_household(conn, referral_id: uuid.UUID, revision: int, view: dict, pseudonyms: dict) -> None:
    await upsert(conn, households, [{"referral_id": referral_id, "revision": revision, "routing_view": view,
                                     "pseudonyms": pseudonyms, "routed_at": datetime.now(UTC)}], ["referral_id"])


async def load_household(conn, referral_id: uuid.UUID):
    return (await conn.execute(select(households).where(households.c.referral_id == referral_id))).one_or_none()


async def save_decisions(conn, made: list[PersonDecision], as_of: date, rows: list[dict]) -> None:
    await upsert(conn, decisions, [
        {"referral_id": d.referral_id, "person_ref": d.person_ref, "provider": d.provider,
         "decision": d.decision.value, "eligible_from": d.eligible_from, "clauses": row["clauses"],
         "rulebook_version": d.rulebook_version, "as_of": as_of} for d, row in zip(made, rows)],
        ["referral_id", "person_ref", "provider"])


async def replace_reevaluations(conn, referral_id: uuid.UUID, due: set[date]) -> None:
    await conn.execute(delete(reevaluations).where(reevaluations.c.referral_id == referral_id))
    if due:
        await conn.execute(reevaluations.insert(), [{"referral_id": referral_id, "due_on": d} for d in sorted(due)])


async def due_for_reevaluation(conn, today: date, limit: int = 100) -> list[uuid.UUID]:
    rows = await conn.execute(select(reevaluations.c.referral_id).where(reevaluations.c.due_on <= today)
                              .group_by(reevaluations.c.referral_id).limit(limit))
    return [r.referral_id for r in rows]


async def replace_triage(conn, referral_id: uuid.UUID, made: list[PersonDecision], rows: list[dict],
                         pseudonyms: dict) -> None:
    # Review decisions already queued keep their place (queued_at); resolved ones leave the queue.
    queued = {(r.person_ref, r.provider): r.queued_at for r in
              await conn.execute(select(triage).where(triage.c.referral_id == referral_id))}
    await conn.execute(delete(triage).where(triage.c.referral_id == referral_id))
    fresh = [{"referral_id": referral_id, "person_ref": d.person_ref, "provider": d.provider,
              "pseudonym": pseudonyms.get(d.person_ref, ""),
              "reasons": [c for c in row["clauses"] if c["outcome"] == "review"],
              "queued_at": queued.get((d.person_ref, d.provider), datetime.now(UTC))}
             for d, row in zip(made, rows) if d.decision is Decision.review]
    if fresh:
        await conn.execute(triage.insert(), fresh)


async def open_triage(conn, limit: int = 500) -> list[dict]:
    rows = await conn.execute(select(triage).order_by(triage.c.queued_at).limit(limit))
    return [dict(r._mapping) for r in rows]


async def raised_persons(conn, provider_referral_id: uuid.UUID):
    row = (await conn.execute(select(raised.c.revision, raised.c.persons)
                              .where(raised.c.provider_referral_id == provider_referral_id))).one_or_none()
    return (row.revision, row.persons) if row else (0, [])


async def save_raised(conn, provider_referral_id, referral_id, provider, revision, persons) -> None:
    await upsert(conn, raised, [{"provider_referral_id": provider_referral_id, "referral_id": referral_id,
                                 "provider": provider, "revision": revision, "persons": persons,
                                 "raised_at": datetime.now(UTC)}], ["provider_referral_id"])
