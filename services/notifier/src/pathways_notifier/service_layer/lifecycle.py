"""Provider referrals as their provider works them: list, read, change status, record first
contact and Outcomes Star readings. Each change is stored with its event (topic provider_activity)
in one transaction. `provider` is one provider id, several, or None for any (an admin).

A provider referral of another provider is NotFound, exactly like an unknown one. What needs no
database (the refusals, the input checks, delivered_before) is in lifecycle_rules.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.lifecycle import ContactMethod, StarReading, Status
from pathways_shared.contracts.payloads import FirstContactRecorded, OutcomeStarRecorded, ProviderReferralStatusChanged
from pathways_shared.db import write_first
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox

from ..adapters import lifecycle as lc
from ..domain.lifecycle import case_opened, transition
from ..domain.outcome_star import check_reading_order, check_scores
from ..domain.working_days import Timeliness
from .lifecycle_rules import (Conflict, NotFound, Providers, as_provider_referral_id,
                              check_contacted_on, delivered_before, provider_set, pseudonym_of)
from .lifecycle_views import Households, ProviderReferralView, build_view, state_of


@dataclass
class ProviderReferrals:
    engine: AsyncEngine
    topics: Topics
    households: Households                  # the projected household details of a view
    today: Callable[[], date]
    timeliness: Timeliness = Timeliness()
    published: Callable[[], None] = lambda: None  # e.g. wake the outbox relay

    async def list_for(self, provider: Providers, status: Status | str | None = None, *,
                       details: bool = True) -> list[ProviderReferralView]:
        """Overdue first, then oldest delivered first."""
        async with self.engine.connect() as conn:
            rows = await lc.list_rows(conn, provider_set(provider), Status(status).value if status else None)
        views = await self._views(rows, details)
        return sorted(views, key=lambda v: (not v.overdue, v.delivered_at))

    async def get(self, provider: Providers, provider_referral_id: uuid.UUID | str, *,
                  details: bool = True) -> ProviderReferralView:
        async with self.engine.connect() as conn:
            row = await lc.load(conn, as_provider_referral_id(provider_referral_id), provider_set(provider))
        if row is None:
            raise NotFound(f"no provider referral {provider_referral_id} here")
        return (await self._views([row], details))[0]

    async def overdue(self, provider: Providers = None) -> list[ProviderReferralView]:
        """Still waiting for first contact past the due date, longest overdue first; no household
        details, since the commissioner reads this list."""
        today = self.today()
        async with self.engine.connect() as conn:
            rows = await lc.awaiting_contact(conn, provider_set(provider), delivered_before(today, self.timeliness))
        views = await self._views(rows, details=False)
        return sorted((v for v in views if v.overdue), key=lambda v: (v.first_contact_due_on, v.delivered_at))

    async def change_status(self, provider: Providers, provider_referral_id: uuid.UUID | str, to_status: Status | str,
                            reason: str | None, by: str) -> ProviderReferralView:
        """IllegalTransition (with the allowed next statuses) or ReasonRequired when refused."""
        async with self.engine.begin() as conn:
            row = await self._locked(conn, provider, provider_referral_id)
            state = transition(state_of(row), to_status, reason)
            now = datetime.now(UTC)
            if not await lc.save_transition(conn, row, state, by, now):
                raise Conflict("the provider referral changed meanwhile; read it again")
            await self._announce(conn, EventType.provider_referral_status_changed, row, ProviderReferralStatusChanged(
                provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
                from_status=row.status, to_status=state.status, reason=state.reason, changed_at=now, by=by),
                f"{row.provider} referral {state.status}")
        self.published()
        return await self.get(provider, provider_referral_id)

    async def record_first_contact(self, provider: Providers, provider_referral_id: uuid.UUID | str,
                                   contacted_on: date, method: ContactMethod | str, by: str) -> ProviderReferralView:
        method, today = ContactMethod(method), self.today()
        async with self.engine.begin() as conn:
            row = await self._locked(conn, provider, provider_referral_id)
            check_contacted_on(contacted_on, row.delivered_at, today)
            now = datetime.now(UTC)
            if not await lc.save_first_contact(conn, row.provider_referral_id, contacted_on, method.value, by, now):
                raise Conflict(f"first contact is already recorded, on {row.first_contact_on}")
            await self._announce(conn, EventType.first_contact_recorded, row, FirstContactRecorded(
                provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
                contacted_on=contacted_on, method=method, recorded_at=now), f"{row.provider} first contact")
        self.published()
        return await self.get(provider, provider_referral_id)

    async def record_star(self, provider: Providers, provider_referral_id: uuid.UUID | str, person_ref: str,
                          reading: StarReading | str, scores: dict, by: str) -> ProviderReferralView:
        """InvalidScores unless all ten factors are scored 1–10; ReadingOutOfOrder for a second
        opening, a review before the opening, or anything after the closing."""
        reading = StarReading(reading)
        async with self.engine.begin() as conn:
            row = await self._locked(conn, provider, provider_referral_id)
            pseudonym = pseudonym_of(row.persons, person_ref)
            scores = check_scores(scores)
            ids = [row.provider_referral_id]
            if not case_opened([h.to_status for h in (await lc.history_of(conn, ids))[row.provider_referral_id]]):
                raise Conflict("Outcomes Star readings start once the case is opened (in-progress)")
            earlier = (await lc.readings_of(conn, ids))[row.provider_referral_id]
            check_reading_order([r.reading for r in earlier if r.person_ref == person_ref], reading)
            today, now = self.today(), datetime.now(UTC)
            await lc.add_reading(conn, row.provider_referral_id, person_ref, reading.value, scores, today, by, now)
            await self._announce(conn, EventType.outcome_star_recorded, row, OutcomeStarRecorded(
                provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
                pseudonym=pseudonym or "", reading=reading, scores=scores, recorded_on=today),
                f"{row.provider} Outcomes Star {reading} reading")
        self.published()
        return await self.get(provider, provider_referral_id)

    async def _locked(self, conn, provider: Providers, provider_referral_id: uuid.UUID | str):
        """The row, held until the transaction ends (called first in it): a change checked against
        it cannot be made twice by requests at once."""
        await write_first(conn)   # what FOR UPDATE (below) is on PostgreSQL
        row = await lc.load(conn, as_provider_referral_id(provider_referral_id), provider_set(provider),
                            for_update=True)
        if row is None:
            raise NotFound(f"no provider referral {provider_referral_id} here")
        return row

    async def _views(self, rows: list, details: bool) -> list[ProviderReferralView]:
        ids = [r.provider_referral_id for r in rows]
        async with self.engine.connect() as conn:
            history, readings = await lc.history_of(conn, ids), await lc.readings_of(conn, ids)
        today = self.today()
        shown = await self.households.details_for(rows, today) if details else {}
        return [build_view(row, history[row.provider_referral_id], readings[row.provider_referral_id],
                           self.timeliness, today, **shown.get(row.provider_referral_id, {}))
                for row in rows]

    async def _announce(self, conn, kind: EventType, row, payload, what: str) -> None:
        event = new_event(kind, row.referral_id, description=what,
                          additional_information=payload.model_dump(mode="json"),
                          identifiers=[("PATHWAYS_PERSON", p["pseudonym"]) for p in row.persons if p.get("pseudonym")])
        await add_to_outbox(conn, event, topic=self.topics.for_event(kind))
