"""What the router does with each event, inside one transaction with its outbox rows (a batch of
events shares one, service_layer/consumption.py, and reads and writes its state a table at a
time: adapters/staged.py).

A household is routed when it is submitted, re-routed when consent changes, and re-evaluated
on the dates its `not_yet` decisions open (stored, so a restart loses none). Provider referrals
are raised again only when someone new is covered; a raised one is never withdrawn here (what
happens to it next is the provider's lifecycle).
"""
from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Callable, NamedTuple

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import ConsentRecorded, ReferralSubmitted, ReferralUpdated
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.db import write_first
from pathways_shared.events import DomainEvent, EventType, MalformedEvent
from pathways_shared.inbox import record_many_processed
from pathways_shared.telemetry import correlation_scope

from ..adapters import provider_state
from ..adapters import repository as repo
from ..adapters.staged import Staged, due_rows
from ..domain.compiled import CompiledRulebook
from ..domain.facts import referral_date
from ..domain.grouping import provider_referral_id
from ..domain.outcomes import Decision
from . import raising
from .routed import routed_event
from .routing import decision_rows

GROUP = "router"


@dataclass
class RouterService:
    engine: AsyncEngine
    book: CompiledRulebook
    topics: Topics
    today: Callable[[], date]

    async def on_referral_event(self, event: DomainEvent) -> bool:
        """Returns False when the event was already processed (a redelivery)."""
        received = received_from(event)
        if received is None:
            return False
        async with self.engine.begin() as conn:
            return await self.handle(conn, event, received)

    async def handle(self, conn, event: DomainEvent, received: "Received") -> bool:
        """The event's effect in the caller's transaction."""
        return (await self.handle_many(conn, [(event, received, None)], scoped=False))[0]

    async def handle_many(self, conn, items: list[tuple[DomainEvent, "Received", str | None]], *,
                          scoped: bool = True) -> list[bool]:
        """The effects of events in order, in the caller's transaction: each as if alone, with a
        few statements for all. Scoped: each under the correlation id it arrived with (a fresh
        one when it came without); otherwise under the current one."""
        if not items:
            return []
        fresh = await record_many_processed(conn, GROUP, [event.eventId for event, _, _ in items])
        staged = await self._load(conn, {r.referral.effective_id() for _, r, _ in items},
                                  {p for _, r, _ in items for p in (r.pseudonyms or {}).values()})
        done = []
        for event, received, correlation in items:
            if event.eventId not in fresh:
                done.append(False)  # processed before, or earlier in this batch
                continue
            fresh.discard(event.eventId)
            with correlation_scope(correlation) if scoped else contextlib.nullcontext():
                done.append(self._apply(staged, received))
        await staged.flush(conn)
        return done

    def _apply(self, staged: Staged, received: "Received") -> bool:
        referral, view, revision, pseudonyms = received
        referral_id = referral.effective_id()
        stored = staged.households.get(referral_id)
        if stored is not None and stored["revision"] > revision:
            return True  # an older revision arriving late changes nothing
        if pseudonyms is None:
            pseudonyms = stored["pseudonyms"] if stored is not None else {}
        staged.save_household(referral_id, revision, view, pseudonyms)
        self._route(staged, referral, revision, pseudonyms)
        return True

    async def reevaluate_due(self) -> int:
        """Re-route every household with a window opening on or before today."""
        done = 0
        async with self.engine.connect() as conn:
            due = await repo.due_for_reevaluation(conn, self.today())
        for referral_id in due:
            async with self.engine.begin() as conn:
                await write_first(conn)   # SQLite's lock from the first read; _load takes PostgreSQL's
                if await self._reroute(conn, referral_id) is None:
                    await repo.replace_reevaluations(conn, referral_id, set())
                    continue
                done += 1
        return done

    async def reroute(self, conn, referral_id: uuid.UUID) -> list:
        """Route a stored household again in the caller's transaction (a provider's capacity
        returned); returns the provider referrals raised."""
        return await self._reroute(conn, referral_id) or []

    async def _reroute(self, conn, referral_id: uuid.UUID) -> list | None:
        """None when no such household is stored."""
        staged = await self._load(conn, {referral_id}, set())
        stored = staged.households.get(referral_id)
        if stored is None:
            return None
        raised = self._route(staged, _parse_view(stored["routing_view"]), stored["revision"], stored["pseudonyms"])
        await staged.flush(conn)
        return raised

    async def _load(self, conn, referral_ids: set[uuid.UUID], pseudonyms: set[str]) -> Staged:
        await provider_state.hold_open_referrals(conn, [p.id for p in self.book.providers])
        return await Staged.load(conn, referral_ids, pseudonyms, {
            provider_referral_id(r, p.id) for r in referral_ids for p in self.book.providers})

    def _route(self, staged: Staged, referral: HouseholdReferral, revision: int, pseudonyms: dict) -> list:
        as_of = max(referral_date(referral.referred_at), self.today())
        routing = raising.plan(staged, referral, self.book, as_of, pseudonyms)
        rows = decision_rows(routing.decisions)
        referral_id = referral.effective_id()
        staged.replace(staged.triage, referral_id, repo.triage_rows(
            referral_id, routing.decisions, rows, pseudonyms, staged.queued_at("triage", referral_id)),
            "triage", lambda r: (r["person_ref"], r["provider"]))
        staged.replace(staged.reevaluations, referral_id, due_rows(referral_id, {
            d.eligible_from for d in routing.decisions if d.decision is Decision.not_yet}))
        raised = raising.raise_routed(staged, referral_id, routing, pseudonyms, self.book, self.topics,
                                      raising.source_of(referral))
        staged.add_to_outbox(*routed_event(self.topics, referral_id, revision, as_of, self.book.version, rows,
                                           [p.provider_referral_id for p in raised], pseudonyms.values()))
        return raised


class Received(NamedTuple):
    referral: HouseholdReferral
    view: dict
    revision: int
    pseudonyms: dict | None   # None: keep those stored


def received_from(event: DomainEvent) -> Received | None:
    """What a referral event asks to route; None for those that are not the router's business."""
    if event.eventType == EventType.referral_submitted:
        payload = ReferralSubmitted.model_validate(event.additionalInformation)
        return Received(_parse_view(payload.routing_view), payload.routing_view, payload.revision,
                        payload.pseudonyms)
    if event.eventType in (EventType.consent_recorded, EventType.referral_updated):
        model = ConsentRecorded if event.eventType == EventType.consent_recorded else ReferralUpdated
        payload = model.model_validate(event.additionalInformation)
        return Received(_parse_view(payload.routing_view), payload.routing_view, payload.revision, None)
    return None


def _parse_view(view: dict) -> HouseholdReferral:
    try:
        return HouseholdReferral.model_validate(view)
    except ValueError as exc:
        raise MalformedEvent(f"routing view is not a valid referral: {exc}") from exc
