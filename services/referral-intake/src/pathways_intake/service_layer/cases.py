"""Cases known to probation, applied again and again: create once, update when they change.

The probation feed (caseload exports, HMPPS domain events) sends the same cases repeatedly. A
case is one referral, keyed by the id the feed derives from it; sending it unchanged does
nothing, and a change is stored as a new revision announced with the fields that changed.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.contracts.payloads import ReferralUpdated, routing_view
from pathways_shared.contracts.profiles import household_profiles
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.events import DomainEvent, EventType, new_event
from pathways_shared.outbox import add_many_to_outbox, add_to_outbox
from pathways_shared.privacy import household_pseudonyms

from ..adapters import ages
from ..adapters import repository as repo
from ..adapters.tables import referrals as referrals_table
from ..domain.changes import changed_fields
from ..domain.referrals import ConcurrentChange, stored_document
from .case_creation import create_cases
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
            stored = (await _load(conn, service, [referral_id])).get(referral_id)
            if stored is not None:
                document, changes = _restated(stored, referral)
                if not changes:
                    return CaseApplied(referral_id, CaseOutcome.unchanged, stored.revision)
                if not await repo.revise_document(conn, referral_id, stored.revision,
                                                  service.store.skeleton_of(document)):
                    continue  # revised meanwhile: read it again
                await service.store.put(conn, referral_id, document)
                revision = stored.revision + 1
                await _announce(service, conn, document, revision, changes, cause)
                return CaseApplied(referral_id, CaseOutcome.updated, revision, tuple(changes))
        submitted = await service.submit_referral(referral)
        if submitted.outcome is Submission.accepted:
            return CaseApplied(referral_id, CaseOutcome.created, 1)
        # Another writer created it first: go round again and compare with what it stored.
    raise ConcurrentChange(referral_id)


def _restated(stored, referral: HouseholdReferral) -> tuple[dict, list[str]]:
    """The document the case would now store, and the fields in which it differs."""
    document = stored_document(referral)
    for name in NOT_A_CHANGE:  # the case keeps the date it was first referred
        document[name] = stored.document[name]
    return document, changed_fields(stored.document, document)


async def apply_cases(service: IntakeService, referrals: list[HouseholdReferral], *, cause: str) -> list[CaseApplied]:
    """Many cases in one transaction, each exactly as apply_case would (a caseload export is
    applied several hundred rows at a time). A case may appear only once in a call."""
    async with service.engine.begin() as conn:
        return await apply_cases_on(conn, service, referrals, cause=cause)


async def apply_cases_on(conn: AsyncConnection, service: IntakeService, referrals: list[HouseholdReferral], *,
                         cause: str) -> list[CaseApplied]:
    """apply_cases inside the caller's transaction, so the caller's own records commit with them."""
    ids = [r.effective_id() for r in referrals]
    if len(set(ids)) != len(ids):
        raise ValueError("a case may appear only once in a call")
    stored = await _load(conn, service, ids)
    fresh = [r for r, referral_id in zip(referrals, ids) if referral_id not in stored]
    created, events = await create_cases(conn, service, fresh)
    outcomes = {i: CaseApplied(i, CaseOutcome.created, 1) for i in created}
    stored.update(await _load(conn, service, [i for i in (r.effective_id() for r in fresh) if i not in created]))
    for referral, referral_id in zip(referrals, ids):
        if referral_id not in outcomes:  # known, or created meanwhile by another writer: compare
            outcomes[referral_id], event = await _revise(conn, service, referral, stored[referral_id], cause)
            events += [event] if event else []
    await add_many_to_outbox(conn, events, topic=service.topics.referrals)  # one statement per chunk
    return [outcomes[i] for i in ids]


async def _load(conn: AsyncConnection, service: IntakeService, ids: list[uuid.UUID]) -> dict:
    if not ids:
        return {}
    # Locked (PostgreSQL) so that a concurrent writer waits rather than makes us retry.
    rows = await conn.execute(select(referrals_table).where(referrals_table.c.referral_id.in_(ids))
                              .with_for_update())
    return await service.store.open_rows(conn, rows.all())  # opened to compare; nothing clear leaves


async def _revise(conn: AsyncConnection, service: IntakeService, referral: HouseholdReferral, stored,
                  cause: str) -> tuple[CaseApplied, DomainEvent | None]:
    referral_id = referral.effective_id()
    for _ in range(REVISION_RETRIES):
        document, changes = _restated(stored, referral)
        if not changes:
            return CaseApplied(referral_id, CaseOutcome.unchanged, stored.revision), None
        if await repo.revise_document(conn, referral_id, stored.revision, service.store.skeleton_of(document)):
            await service.store.put(conn, referral_id, document)
            revision = stored.revision + 1
            return (CaseApplied(referral_id, CaseOutcome.updated, revision, tuple(changes)),
                    await _updated_event(service, conn, document, revision, changes, cause))
        stored = (await _load(conn, service, [referral_id]))[referral_id]  # revised meanwhile: read it again
    raise ConcurrentChange(referral_id)


async def _announce(service: IntakeService, conn, document: dict, revision: int, changes: list[str], cause: str):
    await add_to_outbox(conn, await _updated_event(service, conn, document, revision, changes, cause),
                        topic=service.topics.referrals)


async def _updated_event(service: IntakeService, conn, document: dict, revision: int, changes: list[str],
                         cause: str) -> DomainEvent:
    """ReferralUpdated with ages on today's announcement day, noting when they next change."""
    referral = HouseholdReferral.model_validate(document)
    on, change = service.ages_on(referral)
    await ages.note_next_change(conn, [(referral.effective_id(), change)])
    payload = ReferralUpdated(referral_id=referral.effective_id(), revision=revision, changed_fields=changes,
                              cause=cause, routing_view=routing_view(referral, on),
                              profiles=household_profiles(referral))
    pseudonyms = household_pseudonyms(referral, service.pseudonym_key)
    return new_event(EventType.referral_updated, referral.effective_id(), description="case changed",
                     additional_information=payload.model_dump(mode="json"),
                     identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms.values()])
