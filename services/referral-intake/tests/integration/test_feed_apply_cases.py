"""apply_cases: many cases in one transaction, each exactly as apply_case would apply it alone."""
import uuid

import pytest
from sqlalchemy import func, select

from pathways_intake.adapters.tables import referrals
from pathways_intake.service_layer import cases
from pathways_intake.service_layer.cases import CaseOutcome, apply_case, apply_cases, apply_cases_on
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

pytestmark = pytest.mark.integration


def household(referral: dict, n: int, **index) -> dict:
    return dict(referral, referral_id=str(uuid.UUID(int=n + 1)), source={"type": "probation_auto_feed"},
                index_person=dict(referral["index_person"], **index))


async def announced(intake) -> list:
    async with intake.engine.connect() as conn:
        return [decode_event(r.payload) for r in await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))]


async def test_many_cases_are_created_left_alone_and_updated_as_one_at_a_time_would(api, referral):
    _, intake = api
    first = [parse_referral(household(referral, n)) for n in range(3)]
    assert [r.outcome for r in await apply_cases(intake.service, first, cause="caseload_export")] == \
        [CaseOutcome.created] * 3
    later = [parse_referral(household(referral, 0)),
             parse_referral(household(referral, 1, stage="licence", release_date="2026-12-20")),
             parse_referral(household(referral, 5))]
    results = await apply_cases(intake.service, later, cause="caseload_export")
    assert [(r.outcome, r.revision, r.changed_fields) for r in results] == [
        (CaseOutcome.unchanged, 1, ()),
        (CaseOutcome.updated, 2, ("index_person.release_date", "index_person.stage")),
        (CaseOutcome.created, 1, ())]
    alone = await apply_case(intake.service, later[1], cause="caseload_export")
    assert alone.outcome is CaseOutcome.unchanged, "apply_case sees what apply_cases stored"
    events = await announced(intake)
    assert [e.eventType for e in events] == [EventType.referral_submitted] * 4 + [EventType.referral_updated]
    update = events[4].additionalInformation
    assert update["cause"] == "caseload_export" and update["revision"] == 2
    assert update["changed_fields"] == ["index_person.release_date", "index_person.stage"]


async def test_a_case_may_appear_only_once_in_a_call(api, referral):
    _, intake = api
    same = parse_referral(household(referral, 0))
    with pytest.raises(ValueError, match="only once"):
        await apply_cases(intake.service, [same, same], cause="caseload_export")


async def test_a_case_created_meanwhile_by_another_writer_is_compared_not_duplicated(api, referral, monkeypatch):
    _, intake = api
    created = await apply_case(intake.service, parse_referral(household(referral, 0)), cause="hmpps")
    load = cases._load
    calls = []

    async def unseen_at_first(conn, service, ids):  # as if the other writer committed just after our read
        calls.append(ids)
        return {} if len(calls) == 1 else await load(conn, service, ids)

    monkeypatch.setattr(cases, "_load", unseen_at_first)
    changed = parse_referral(household(referral, 0, consent_to_contact_family="granted"))
    [result] = await apply_cases(intake.service, [changed], cause="caseload_export")
    assert calls == [[created.referral_id]] * 2, "the insert that lost the race is followed by reading the winner's case"
    assert (result.outcome, result.revision) == (CaseOutcome.updated, created.revision + 1)
    assert result.changed_fields == ("index_person.consent_to_contact_family",)


async def test_cases_applied_in_a_transaction_that_fails_leave_nothing(api, referral):
    _, intake = api
    with pytest.raises(RuntimeError):
        async with intake.engine.begin() as conn:
            await apply_cases_on(conn, intake.service, [parse_referral(household(referral, 0))], cause="x")
            raise RuntimeError("the caller's own write failed")
    async with intake.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(referrals))).scalar_one() == 0
        assert (await conn.execute(select(func.count()).select_from(outbox))).scalar_one() == 0
