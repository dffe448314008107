"""Reads and writes of the router's state inside one caller-owned transaction, and the rows a batch
writes (adapters/staged.py)."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import delete, select

from ..domain.engine import PersonDecision
from ..domain.outcomes import Decision
from .tables import households, reevaluations, triage


async def load_household(conn, referral_id: uuid.UUID):
    return (await conn.execute(select(households).where(households.c.referral_id == referral_id))).one_or_none()


async def replace_reevaluations(conn, referral_id: uuid.UUID, due: set[date]) -> None:
    await conn.execute(delete(reevaluations).where(reevaluations.c.referral_id == referral_id))
    if due:
        await conn.execute(reevaluations.insert(), [{"referral_id": referral_id, "due_on": d} for d in sorted(due)])


async def due_for_reevaluation(conn, today: date, limit: int = 100) -> list[uuid.UUID]:
    rows = await conn.execute(select(reevaluations.c.referral_id).where(reevaluations.c.due_on <= today)
                              .group_by(reevaluations.c.referral_id).limit(limit))
    return [r.referral_id for r in rows]


def triage_rows(referral_id: uuid.UUID, made: list[PersonDecision], rows: list[dict], pseudonyms: dict,
                queued: dict) -> list[dict]:
    """The review decisions; queued: (person_ref, provider) → queued_at of those already in the queue."""
    now = datetime.now(UTC)
    return [{"referral_id": referral_id, "person_ref": d.person_ref, "provider": d.provider,
             "pseudonym": pseudonyms.get(d.person_ref, ""),
             "reasons": [c for c in row["clauses"] if c["outcome"] == "review"],
             "queued_at": queued.get((d.person_ref, d.provider), now)}
            for d, row in zip(made, rows) if d.decision is Decision.review]


async def open_triage(conn, limit: int = 500) -> list[dict]:
    rows = await conn.execute(select(triage).order_by(triage.c.queued_at).limit(limit))
    return [dict(r._mapping) for r in rows]
