"""What a provider (or the commissioner) is shown of one provider referral: its lifecycle, and,
for the provider, the household projected through its allowed fields as the webhook sends it."""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from pathways_shared.contracts.ages import london_day
from pathways_shared.contracts.lifecycle import ReasonCode, Status

from ..adapters.intake import DocumentUnavailable, IntakeClient
from ..adapters.repository import utc
from ..domain.lifecycle import LifecycleState, allowed_next
from ..domain.outcome_star import banded
from ..domain.projection import project
from ..domain.working_days import Timeliness


def local_date(moment: datetime) -> date:
    """The calendar day in England a moment falls on (deliveries are stored in UTC)."""
    return london_day(utc(moment))


def state_of(row) -> LifecycleState:
    return LifecycleState(Status(row.status), Status(row.held_from) if row.held_from else None,
                          ReasonCode(row.reason) if row.reason else None)


@dataclass(frozen=True)
class ProviderReferralView:
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    revision: int
    urgent: bool
    waitlisted: bool
    status: Status
    reason: ReasonCode | None
    held_from: Status | None
    allowed_next: list[str]
    delivered_at: datetime
    first_contact_due_on: date
    overdue: bool
    first_contact: dict | None            # {"contacted_on", "method", "by"}
    persons: list[dict]                   # person_ref and role of everyone covered: no clear data
    history: list[dict] = field(default_factory=list)
    star_readings: list[dict] = field(default_factory=list)
    details: dict | None = None           # {"ages_on", "index"?, "persons"}: the projected household
    details_unavailable: str | None = None  # why details are missing when they were asked for

    def as_dict(self) -> dict:
        out = {
            "provider_referral_id": str(self.provider_referral_id), "referral_id": str(self.referral_id),
            "provider": self.provider, "revision": self.revision, "urgent": self.urgent,
            "waitlisted": self.waitlisted, "status": self.status.value,
            "reason": self.reason.value if self.reason else None,
            "held_from": self.held_from.value if self.held_from else None, "allowed_next": self.allowed_next,
            "delivered_at": self.delivered_at.isoformat(),
            "first_contact_due_on": self.first_contact_due_on.isoformat(),
            "overdue": self.overdue, "first_contact": self.first_contact, "persons": self.persons,
            "history": self.history, "star_readings": self.star_readings,
        }
        if self.details is not None or self.details_unavailable is not None:
            out |= {"details": self.details, "details_unavailable": self.details_unavailable}
        return out


def build_view(row, history: list, readings: list, timeliness: Timeliness, today: date, *,
               details: dict | None = None, details_unavailable: str | None = None) -> ProviderReferralView:
    delivered_on = local_date(row.delivered_at)
    state = state_of(row)
    contact = None
    if row.first_contact_on is not None:
        contact = {"contacted_on": row.first_contact_on.isoformat(), "method": row.first_contact_method,
                   "by": row.first_contact_by}
    awaiting = contact is None and state.status.value in ("requested", "accepted", "in-progress")
    return ProviderReferralView(
        provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
        revision=row.revision, urgent=row.urgent, waitlisted=row.waitlisted, status=state.status,
        reason=state.reason, held_from=state.held_from, allowed_next=allowed_next(state),
        delivered_at=utc(row.delivered_at), first_contact_due_on=timeliness.due_on(delivered_on),
        overdue=awaiting and timeliness.is_overdue(delivered_on, today), first_contact=contact,
        persons=[{"person_ref": p["person_ref"], "role": p["role"]} for p in row.persons],
        history=[{"from_status": h.from_status, "to_status": h.to_status, "reason": h.reason, "by": h.by,
                  "changed_at": utc(h.changed_at).isoformat()} for h in history],
        star_readings=[{"person_ref": r.person_ref, "reading": r.reading, "recorded_on": r.recorded_on.isoformat(),
                        "by": r.by, "scores": banded(r.scores)} for r in readings],
        details=details, details_unavailable=details_unavailable)


@dataclass
class Households:
    """The household of each provider referral projected through its provider's allowed fields
    (the rulebook's `fields`), from the clear document the intake gives at read time."""
    intake: IntakeClient | None            # None: no details can be shown
    fields: dict[str, list[str]]

    async def details_for(self, rows: list, today: date) -> dict[uuid.UUID, dict]:
        """{provider_referral_id: {"details": ...} or {"details_unavailable": why}}."""
        if self.intake is None:
            return {r.provider_referral_id: {"details_unavailable": "the intake is not configured"} for r in rows}
        ordered = list({r.referral_id for r in rows})
        gate = asyncio.Semaphore(8)  # a long list must not flood the intake

        async def fetch(referral_id):
            async with gate:
                return await self.intake.document(referral_id)
        found = dict(zip(ordered, await asyncio.gather(*map(fetch, ordered), return_exceptions=True)))
        return {r.provider_referral_id: self._shown(r, found[r.referral_id], today) for r in rows}

    def _shown(self, row, document, today: date) -> dict:
        if isinstance(document, DocumentUnavailable):
            return {"details_unavailable": str(document)}
        if isinstance(document, BaseException):  # never its message: it may quote the document
            return {"details_unavailable": "the household could not be read"}
        try:
            projected = project(document, row.persons, self.fields.get(row.provider, ()), today)
        except Exception:
            return {"details_unavailable": "the household could not be projected"}
        return {"details": {"ages_on": today.isoformat(), **projected}}
