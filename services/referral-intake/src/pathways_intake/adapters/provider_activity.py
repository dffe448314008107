"""Writes of what providers report about their provider referrals (the lifecycle columns of the
progress projection), each inside a caller-owned transaction. A row may not exist yet: events of
the provider_activity topic can overtake the raised and delivered ones of other topics. The
progress consumer makes the same changes for a whole batch at once (adapters.staged_progress)."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .repository import upsert
from .tables import deliveries

REQUESTED = "requested"  # the status a delivered provider referral enters (../shared/domain/POLICY.md §6)


async def _ensure_row(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID,
                      provider: str) -> None:
    await upsert(conn, deliveries, {"provider_referral_id": provider_referral_id, "referral_id": referral_id,
                                    "provider": provider, "delivery": "pending", "attempts": 0,
                                    "updated_at": datetime.now(UTC)}, ["provider_referral_id"], [])


async def note_status(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID,
                      provider: str, status: str, reason: str | None, changed_at: datetime) -> None:
    """The latest status wins; an older change seen late changes nothing."""
    await _ensure_row(conn, provider_referral_id, referral_id, provider)
    await conn.execute(update(deliveries).where(
        deliveries.c.provider_referral_id == provider_referral_id,
        or_(deliveries.c.status_changed_at.is_(None), deliveries.c.status_changed_at <= changed_at),
    ).values(provider=provider, status=status, status_reason=reason, status_changed_at=changed_at,
             updated_at=datetime.now(UTC)))


async def note_requested(conn: AsyncConnection, provider_referral_id: uuid.UUID, delivered_at: datetime) -> None:
    """Delivered: `requested`, unless the provider already said more."""
    await conn.execute(update(deliveries).where(
        deliveries.c.provider_referral_id == provider_referral_id, deliveries.c.status.is_(None),
    ).values(status=REQUESTED, status_changed_at=delivered_at))


async def note_first_contact(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID,
                             provider: str, contacted_on: date, method: str) -> None:
    await _ensure_row(conn, provider_referral_id, referral_id, provider)
    await conn.execute(update(deliveries).where(
        deliveries.c.provider_referral_id == provider_referral_id, deliveries.c.first_contact_on.is_(None),
    ).values(provider=provider, first_contact_on=contacted_on, first_contact_method=method,
             updated_at=datetime.now(UTC)))


async def note_reminder(conn: AsyncConnection, provider_referral_id: uuid.UUID, referral_id: uuid.UUID,
                        provider: str, due_on: date) -> None:
    await _ensure_row(conn, provider_referral_id, referral_id, provider)
    await conn.execute(update(deliveries).where(deliveries.c.provider_referral_id == provider_referral_id)
                       .values(provider=provider, first_contact_due_on=due_on, updated_at=datetime.now(UTC)))
