"""Known cases revised together: one another writer revised meanwhile is read again and compared
again, never overwritten blindly; one that never settles fails the whole chunk."""
import pytest
from sqlalchemy import select, update

from pathways_intake.adapters import revisions
from pathways_intake.adapters.tables import referrals
from pathways_intake.domain.referrals import ConcurrentChange
from pathways_intake.service_layer.cases import CaseOutcome, apply_cases
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.events import EventType

from .test_feed_apply_cases import announced, household

pytestmark = pytest.mark.integration


def interfering(monkeypatch, times: int):
    """revisions.bump, with another writer revising every case just before, the first `times` calls."""
    bump, calls = revisions.bump, []

    async def revised_first(conn, seen, now):
        calls.append(dict(seen))
        if len(calls) <= times:
            await conn.execute(update(referrals).where(referrals.c.referral_id.in_(list(seen)))
                               .values(revision=referrals.c.revision + 1))
        return await bump(conn, seen, now)

    monkeypatch.setattr(revisions, "bump", revised_first)
    return calls


async def test_cases_revised_meanwhile_are_read_again_and_revised_after_the_other_writer(api, referral, monkeypatch):
    _, intake = api
    await apply_cases(intake.service, [parse_referral(household(referral, n)) for n in range(3)], cause="x")
    calls = interfering(monkeypatch, times=1)
    later = [parse_referral(household(referral, 0, stage="licence", release_date="2026-12-20")),
             parse_referral(household(referral, 1)),
             parse_referral(household(referral, 2, consent_to_contact_family="granted"))]
    results = await apply_cases(intake.service, later, cause="caseload_export")
    assert [(r.outcome, r.revision) for r in results] == [
        (CaseOutcome.updated, 3), (CaseOutcome.unchanged, 1), (CaseOutcome.updated, 3)]
    assert [sorted(c.values()) for c in calls] == [[1, 1], [2, 2]], "seen again at the other writer's revision"
    updates = [e for e in await announced(intake) if e.eventType == EventType.referral_updated]
    assert [(e.referralId, e.additionalInformation["revision"]) for e in updates] == [
        (later[0].effective_id(), 3), (later[2].effective_id(), 3)]
    async with intake.engine.connect() as conn:
        stored = {r.referral_id: r.revision for r in await conn.execute(select(referrals))}
    assert [stored[r.effective_id()] for r in later] == [3, 1, 3]


async def test_a_case_that_never_settles_fails_the_chunk_and_leaves_nothing(api, referral, monkeypatch):
    _, intake = api
    await apply_cases(intake.service, [parse_referral(household(referral, n)) for n in range(2)], cause="x")
    interfering(monkeypatch, times=99)
    later = [parse_referral(household(referral, n, stage="licence", release_date="2026-12-20")) for n in range(2)]
    with pytest.raises(ConcurrentChange) as raised:
        await apply_cases(intake.service, later, cause="caseload_export")
    assert raised.value.args == (later[0].effective_id(),)
    assert [e.eventType for e in await announced(intake)] == [EventType.referral_submitted] * 2
    async with intake.engine.connect() as conn:
        assert {r.revision for r in await conn.execute(select(referrals))} == {1}
