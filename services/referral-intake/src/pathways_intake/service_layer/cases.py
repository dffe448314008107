"""Cases known to probation, applied again and again: create once, update when they change.

The probation feed (caseload exports, HMPPS domain events) sends the same cases repeatedly. A
case is one referral, keyed by the id the feed derives from it; sending it unchanged does
nothing, and a change is stored as a new revision announced with the fields that changed.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.outbox import add_many_to_outbox

from ..adapters.tables import referrals as referrals_table
from ..domain.referrals import ConcurrentChange
from ..domain.restated import NOT_A_CHANGE  # noqa: F401  (re-exported: what a repeated feed may restate)
from .case_creation import create_cases
from .case_revision import CaseApplied, CaseOutcome, revise_cases
from .intake import REVISION_RETRIES, IntakeService, Submission

__all__ = ["NOT_A_CHANGE", "CaseApplied", "CaseOutcome", "apply_case", "apply_cases", "apply_cases_on"]


async def apply_case(service: IntakeService, referral: HouseholdReferral, *, cause: str) -> CaseApplied:
    referral_id = referral.effective_id()
    for _ in range(REVISION_RETRIES):
        async with service.engine.begin() as conn:
            stored = (await _load(conn, service, [referral_id])).get(referral_id)
            if stored is not None:
                outcomes, events, missed = await revise_cases(conn, service, [(referral, stored)], cause)
                if missed:
                    continue  # revised meanwhile: read it again
                await add_many_to_outbox(conn, list(events.values()), topic=service.topics.referrals)
                return outcomes[referral_id]
        submitted = await service.submit_referral(referral)
        if submitted.outcome is Submission.accepted:
            return CaseApplied(referral_id, CaseOutcome.created, 1)
        # Another writer created it first: go round again and compare with what it stored.
    raise ConcurrentChange(referral_id)


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
    # Known, or created meanwhile by another writer: compared, and revised together when changed.
    known = [(r, stored[i]) for r, i in zip(referrals, ids) if i not in outcomes]
    revised, updated = await _revise_known(conn, service, known, cause)
    outcomes.update(revised)
    events += [updated[i] for i in ids if i in updated]  # in the export's order
    await add_many_to_outbox(conn, events, topic=service.topics.referrals)  # one statement per chunk
    return [outcomes[i] for i in ids]


async def _revise_known(conn: AsyncConnection, service: IntakeService, known: list, cause: str):
    """revise_cases, reading again and comparing again the cases another writer revised meanwhile
    (never overwriting them blindly), a few times at most."""
    outcomes, events = {}, {}
    for _ in range(REVISION_RETRIES):
        done, made, missed = await revise_cases(conn, service, known, cause)
        outcomes.update(done)
        events.update(made)
        if not missed:
            return outcomes, events
        again = await _load(conn, service, missed)
        known = [(referral, again[i]) for referral, i in ((r, r.effective_id()) for r, _ in known) if i in missed]
    raise ConcurrentChange(known[0][0].effective_id())


async def _load(conn: AsyncConnection, service: IntakeService, ids: list[uuid.UUID]) -> dict:
    if not ids:
        return {}
    # Locked (PostgreSQL) so that a concurrent writer waits rather than makes us retry.
    rows = await conn.execute(select(referrals_table).where(referrals_table.c.referral_id.in_(ids))
                              .with_for_update())
    return await service.store.open_rows(conn, rows.all())  # opened to compare; nothing clear leaves
