"""Known cases that changed, revised together: their revisions checked and bumped at once, their
skeletons and sealed fields written for all at once, and each ReferralUpdated made from what the
restatement already holds (the referral, its document, its pseudonyms) rather than read again.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.routing_views import routing_view, updated_payload
from pathways_shared.events import DomainEvent, EventType, new_event
from pathways_shared.privacy import household_pseudonyms

from ..adapters import revisions
from ..adapters.protected import OpenedReferral
from ..adapters.sealed_fields import Prepared
from ..domain.restated import restated, restated_referral
from .intake import IntakeService


class CaseOutcome(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"


@dataclass(frozen=True)
class CaseApplied:
    referral_id: uuid.UUID
    outcome: CaseOutcome
    revision: int
    changed_fields: tuple[str, ...] = ()


async def revise_cases(conn: AsyncConnection, service: IntakeService,
                       cases: list[tuple[HouseholdReferral, OpenedReferral]], cause: str):
    """One attempt at each (referral, stored case) pair: the outcomes of those unchanged or revised,
    the events of those revised (by id), and the ids another writer revised since they were read."""
    outcomes: dict[uuid.UUID, CaseApplied] = {}
    pending: dict[uuid.UUID, tuple] = {}
    for referral, stored in cases:
        referral_id = referral.effective_id()
        document, changes = restated(stored.document, referral)
        if changes:
            pending[referral_id] = (referral, stored.revision, document, changes)
        else:
            outcomes[referral_id] = CaseApplied(referral_id, CaseOutcome.unchanged, stored.revision)
    bumped = await revisions.bump(conn, {i: p[1] for i, p in pending.items()}, datetime.now(UTC))
    made = [_Revision.of(service, *pending[i], cause) for i in pending if i in bumped]
    await revisions.store_documents(conn, [(r.prepared.referral_id, r.prepared.skeleton, r.next_change)
                                           for r in made])
    await service.store.put_prepared(conn, [r.prepared for r in made])
    for r in made:
        outcomes[r.applied.referral_id] = r.applied
    return outcomes, {r.applied.referral_id: r.event for r in made}, [i for i in pending if i not in bumped]


@dataclass(frozen=True)
class _Revision:
    applied: CaseApplied
    prepared: Prepared          # for the protected store
    next_change: date | None    # the day an announced age next changes (adapters.ages)
    event: DomainEvent

    @classmethod
    def of(cls, service: IntakeService, referral: HouseholdReferral, seen: int, document: dict,
           changes: list[str], cause: str) -> _Revision:
        """The revision after `seen`, with ReferralUpdated: ages on today's announcement day."""
        case, view = restated_referral(referral, document)
        referral_id, revision = case.effective_id(), seen + 1
        on, change = service.ages_on(case)
        household = household_pseudonyms(case, service.pseudonym_key)
        payload = updated_payload(case, revision, changes, cause, routing_view(case, on, view))
        event = new_event(EventType.referral_updated, referral_id, description="case changed",
                          additional_information=payload,
                          identifiers=[("PATHWAYS_PERSON", p) for p in household.values()])
        return cls(CaseApplied(referral_id, CaseOutcome.updated, revision, tuple(changes)),
                   service.store.prepare(referral_id, document, household), change, event)
