"""Reads and writes of the provider referral lifecycle, each inside a caller-owned transaction."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.contracts.lifecycle import Status

from ..domain.lifecycle import LifecycleState
from .tables import outcome_star_readings as readings
from .tables import provider_referral_history as history
from .tables import provider_referrals as referrals

# Where first contact is still awaited and the clock runs: on hold, the provider has said why not.
AWAITING_CONTACT = (Status.requested.value, Status.accepted.value, Status.in_progress.value)


async def open_on_delivery(conn: AsyncConnection, delivery, delivered_at: datetime) -> bool:
    """A delivered provider referral enters `requested` (True), once; a later revision delivered
    only refreshes who it covers. `delivery` is a deliveries row (any channel), or the raised
    payload for a provider reached only through the inbox."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(referrals)
    values = {"provider_referral_id": delivery.provider_referral_id, "referral_id": delivery.referral_id,
              "provider": delivery.provider, "revision": delivery.revision, "persons": _persons(delivery.persons),
              "urgent": delivery.urgent, "waitlisted": delivery.waitlisted}
    opened = (await conn.execute(insert.values(
        **values, status=Status.requested.value, delivered_at=delivered_at, updated_at=delivered_at,
    ).on_conflict_do_nothing().returning(referrals.c.provider_referral_id))).first() is not None
    if opened:
        await conn.execute(history.insert().values(
            provider_referral_id=delivery.provider_referral_id, from_status=None, to_status=Status.requested.value,
            by="system", changed_at=delivered_at))
    else:
        await conn.execute(update(referrals).where(
            referrals.c.provider_referral_id == delivery.provider_referral_id,
            referrals.c.revision < delivery.revision).values(**values, updated_at=delivered_at))
    return opened


def _persons(persons) -> list[dict]:
    """person_ref, role and pseudonym of each covered person, from a delivery row or a raised payload."""
    return [p if isinstance(p, dict) else {"person_ref": p.person_ref, "role": p.role, "pseudonym": p.pseudonym}
            for p in persons]


def _of(query, providers: Collection[str] | None):
    return query if providers is None else query.where(referrals.c.provider.in_(list(providers)))


async def load(conn: AsyncConnection, provider_referral_id: uuid.UUID, providers: Collection[str] | None,
               for_update: bool = False):
    """The row, or None when unknown or another provider's (they are told apart nowhere)."""
    query = _of(select(referrals).where(referrals.c.provider_referral_id == provider_referral_id), providers)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def list_rows(conn: AsyncConnection, providers: Collection[str] | None, status: str | None = None) -> list:
    query = _of(select(referrals), providers).order_by(referrals.c.delivered_at)
    if status:
        query = query.where(referrals.c.status == status)
    return (await conn.execute(query)).all()


async def awaiting_contact(conn: AsyncConnection, providers: Collection[str] | None, delivered_before: datetime,
                           unreminded: bool = False) -> list:
    """Rows still waiting for first contact, delivered before the cut-off (a pre-filter: the
    exact due date needs the working-day calendar)."""
    query = _of(select(referrals), providers).where(
        referrals.c.status.in_(AWAITING_CONTACT), referrals.c.first_contact_on.is_(None),
        referrals.c.delivered_at < delivered_before).order_by(referrals.c.delivered_at)
    if unreminded:
        query = query.where(referrals.c.reminded_at.is_(None))
    return (await conn.execute(query)).all()


async def save_transition(conn: AsyncConnection, row, state: LifecycleState, by: str, at: datetime) -> bool:
    """Record the change, unless the row moved on meanwhile (False)."""
    done = await conn.execute(update(referrals).where(
        referrals.c.provider_referral_id == row.provider_referral_id, referrals.c.status == row.status,
    ).values(status=state.status.value, held_from=state.held_from.value if state.held_from else None,
             reason=state.reason.value if state.reason else None, updated_at=at)
      .returning(referrals.c.provider_referral_id))
    if done.first() is None:
        return False
    await conn.execute(history.insert().values(
        provider_referral_id=row.provider_referral_id, from_status=row.status, to_status=state.status.value,
        reason=state.reason.value if state.reason else None, by=by, changed_at=at))
    return True


async def save_first_contact(conn: AsyncConnection, provider_referral_id: uuid.UUID, on: date, method: str,
                             by: str, at: datetime) -> bool:
    """False when first contact was already recorded."""
    done = await conn.execute(update(referrals).where(
        referrals.c.provider_referral_id == provider_referral_id, referrals.c.first_contact_on.is_(None),
    ).values(first_contact_on=on, first_contact_method=method, first_contact_by=by, updated_at=at)
      .returning(referrals.c.provider_referral_id))
    return done.first() is not None


async def add_reading(conn: AsyncConnection, provider_referral_id: uuid.UUID, person_ref: str, reading: str,
                      scores: dict[str, int], on: date, by: str, at: datetime) -> None:
    await conn.execute(readings.insert().values(
        provider_referral_id=provider_referral_id, person_ref=person_ref, reading=reading, scores=scores,
        recorded_on=on, by=by, recorded_at=at))


async def mark_reminded(conn: AsyncConnection, provider_referral_id: uuid.UUID, at: datetime) -> bool:
    """True for the one caller that marks it first, while first contact is still awaited."""
    done = await conn.execute(update(referrals).where(
        referrals.c.provider_referral_id == provider_referral_id, referrals.c.reminded_at.is_(None),
        referrals.c.status.in_(AWAITING_CONTACT), referrals.c.first_contact_on.is_(None),
    ).values(reminded_at=at).returning(referrals.c.provider_referral_id))
    return done.first() is not None


async def history_of(conn: AsyncConnection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list]:
    return await _grouped(conn, history, list(ids), history.c.id)


async def readings_of(conn: AsyncConnection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list]:
    return await _grouped(conn, readings, list(ids), readings.c.id)


async def _grouped(conn: AsyncConnection, table, ids: list[uuid.UUID], order) -> dict[uuid.UUID, list]:
    grouped: dict[uuid.UUID, list] = defaultdict(list)
    for start in range(0, len(ids), 500):  # keep the IN list well inside every driver's limits
        chunk = ids[start:start + 500]
        for row in await conn.execute(select(table).where(table.c.provider_referral_id.in_(chunk)).order_by(order)):
            grouped[row.provider_referral_id].append(row)
    return grouped
