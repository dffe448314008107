"""Cases known to probation, applied again and again: create once, update when they change.

The probation feed (caseload exports, HMPPS domain events) sends the same cases repeatedly. A
case is one referral, keyed by the id the feed derives from it; sending it unchanged does
nothing, and a change is stored as a new revision announced with the fields that changed.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from pathways_shared.contracts.payloads import ReferralUpdated, routing_view
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox
from pathways_shared.privacy import household_pseudonyms

from ..adapters import repository as repo
from ..domain.changes import changed_fields
from ..domain.referrals import ConcurrentChange, stored_document
from .intake import REVISION_RETRIES, IntakeService, Submission

# Fields a repeated feed is allowed to restate differently without the case having changed.
NOT_A_CHANGE = ("referred_at", "source")


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


async def apply_case(service: IntakeService, referral: HouseholdReferral, *, cause: str) -> CaseApplied:
    referral_id = referral.effective_id()
    for _ in range(REVISION_RETRIES):
        async with service.engine.begin() as conn:
            stored = await repo.load_referral(conn, referral_id)
            if stored is not None:
                document = stored_document(referral)
                for name in NOT_A_CHANGE:  # the case keeps the date it was first referred
                    document[name] = stored.document[name]
                changes = changed_fields(stored.document, document)
                if not changes:
                    return CaseApplied(referral_id, CaseOutcome.unchanged, stored.revision)
                if not await repo.revise_document(conn, referral_id, stored.revision, document):
                    continue  # revised meanwhile: read it again
                revision = stored.revision + 1
                await _announce(service, conn, document, revision, changes, cause)
                return CaseApplied(referral_id, CaseOutcome.updated, revision, tuple(changes))
        submitted = await service.submit_referral(referral)
        if submitted.outcome is Submission.accepted:
            return CaseApplied(referral_id, CaseOutcome.created, 1)
        # Another writer created it first: go round again and compare with what it stored.
    raise ConcurrentChange(referral_id)


async def _announce(service: IntakeService, conn, document: dict, revision: int, changes: list[str], cause: str):
    referral = HouseholdReferral.model_validate(document)
    payload = ReferralUpdated(referral_id=referral.effective_id(), revision=revision, changed_fields=changes,
                              cause=cause, routing_view=routing_view(referral))
    pseudonyms = household_pseudonyms(referral, service.pseudonym_key)
    event = new_event(EventType.referral_updated, referral.effective_id(), description="case changed",
                      additional_information=payload.model_dump(mode="json"),
                      identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms.values()])
    await add_to_outbox(conn, event, topic=service.topics.referrals)
