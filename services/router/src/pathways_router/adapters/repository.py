"""Reads and writes of the router's state inside one caller-owned transaction, and the rows a batch
writes (adapters/staged.py)."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.engine import PersonDecision
from ..domain.outcomes import Decision
from .tables import households, reevaluations, triage


def _insert(conn: AsyncConnection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _upsert_statement(conn: AsyncConnection, table, keys: list[str]):
    stmt = _insert(conn, table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=updates)


async def upsert(conn: AsyncConnection, table, rows: list[dict], keys: list[str]) -> None:
    """Rows with the same columns. On SQLite the statement is compiled once and the rows
    go to the driver with each column's own bind processing only: a batch's decisions are tens of
    thousands of rows, and SQLAlchemy's per-row parameter handling cost more than SQLite's work."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        await conn.execute(_upsert_statement(conn, table, keys), rows)
        return
    sql, names, processors = _driver_plan(conn, table, keys, tuple(rows[0]))
    await conn.exec_driver_sql(sql, [tuple([p(row[n]) if p else row[n] for n, p in zip(names, processors)])
                                     for row in rows])


_PLANS: dict[tuple, tuple] = {}


def _driver_plan(conn: AsyncConnection, table, keys: list[str], given: tuple[str, ...]) -> tuple[str, list[str], list]:
    """The upsert's SQL for rows with the columns `given` (those SQLAlchemy would insert: the first
    row's), its parameters in order, and each one's bind processor (None: passed as it is)."""
    dialect = conn.dialect
    plan_key = (table, tuple(keys), given, dialect)
    if plan_key not in _PLANS:
        compiled = _upsert_statement(conn, table, keys).compile(dialect=dialect, column_keys=list(given))
        names = list(compiled.positiontup)
        _PLANS[plan_key] = (str(compiled), names,
                            [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names])
    return _PLANS[plan_key]


async def load_household(conn, referral_id: uuid.UUID):
    return (await conn.execute(select(households).where(households.c.referral_id == referral_id))).one_or_none()


def decision_rows(made: list[PersonDecision], as_of: date, rows: list[dict]) -> list[dict]:
    return [{"referral_id": d.referral_id, "person_ref": d.person_ref, "provider": d.provider,
             "decision": d.decision.value, "eligible_from": d.eligible_from, "clauses": row["clauses"],
             "rulebook_version": d.rulebook_version, "as_of": as_of} for d, row in zip(made, rows)]


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
