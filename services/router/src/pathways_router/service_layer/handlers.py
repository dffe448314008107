"""What the router does with each event, inside one transaction with its outbox rows (a batch of
events shares one: service_layer/consumption.py).

A household is routed when it is submitted, re-routed when consent changes, and re-evaluated
on the dates its `not_yet` decisions open (stored, so a restart loses none). Provider referrals
are raised again only when someone new is covered; a raised one is never withdrawn here (what
happens to it next is the provider's lifecycle).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Callable, NamedTuple

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import ConsentRecorded, ReferralRouted, ReferralSubmitted, ReferralUpdated
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.events import DomainEvent, EventType, MalformedEvent, new_event
from pathways_shared.inbox import record_processed
from pathways_shared.outbox import add_to_outbox

from ..adapters import repository as repo
from ..domain.compiled import CompiledRulebook
from ..domain.facts import referral_date
from ..domain.outcomes import Decision
from . import raising
from .routing import decision_row

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
        """The event's effect in the caller's transaction (one event's, or a batch's)."""
        referral, view, revision, pseudonyms = received
        if not await record_processed(conn, GROUP, event):
            return False
        stored = await repo.load_household(conn, referral.effective_id())
        if stored is not None and stored.revision > revision:
            return True  # an older revision arriving late changes nothing
        if pseudonyms is None:
            pseudonyms = stored.pseudonyms if stored is not None else {}
        await repo.save_household(conn, referral.effective_id(), revision, view, pseudonyms)
        await self._route(conn, referral, revision, pseudonyms)
        return True

    async def reevaluate_due(self) -> int:
        """Re-route every household with a window opening on or before today."""
        done = 0
        async with self.engine.connect() as conn:
            due = await repo.due_for_reevaluation(conn, self.today())
        for referral_id in due:
            async with self.engine.begin() as conn:
                stored = await repo.load_household(conn, referral_id)
                if stored is None:
                    await repo.replace_reevaluations(conn, referral_id, set())
                    continue
                await self._route(conn, _parse_view(stored.routing_view), stored.revision, stored.pseudonyms)
                done += 1
        return done

    async def reroute(self, conn, referral_id: uuid.UUID) -> list:
        """Route a stored household again in the caller's transaction (a provider's capacity
        returned); returns the provider referrals raised."""
        stored = await repo.load_household(conn, referral_id)
        if stored is None:
            return []
        return await self._route(conn, _parse_view(stored.routing_view), stored.revision, stored.pseudonyms)

    async def _route(self, conn, referral: HouseholdReferral, revision: int, pseudonyms: dict) -> list:
        as_of = max(referral_date(referral.referred_at), self.today())
        routing = await raising.plan(conn, referral, self.book, as_of, pseudonyms)
        rows = [decision_row(d) for d in routing.decisions]
        referral_id = referral.effective_id()
        await repo.save_decisions(conn, routing.decisions, as_of, rows)
        await repo.replace_triage(conn, referral_id, routing.decisions, rows, pseudonyms)
        await repo.replace_reevaluations(conn, referral_id, {
            d.eligible_from for d in routing.decisions if d.decision is Decision.not_yet})
        raised = await raising.raise_routed(conn, referral_id, routing, pseudonyms, self.book, self.topics,
                                            raising.source_of(referral))
        raised_ids = [p.provider_referral_id for p in raised]
        routed = ReferralRouted(referral_id=referral_id, revision=revision, as_of=as_of,
                                rulebook_version=self.book.version, decisions=rows, provider_referral_ids=raised_ids)
        await self._publish(conn, EventType.referral_routed, referral_id, routed, list(pseudonyms.values()),
                            "household referral routed")
        return raised

    async def _publish(self, conn, kind: EventType, referral_id: uuid.UUID, payload, pseudonyms, description):
        event = new_event(kind, referral_id, description=description,
                          additional_information=payload.model_dump(mode="json"),
                          identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms if p])
        await add_to_outbox(conn, event, topic=self.topics.for_event(kind))


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
