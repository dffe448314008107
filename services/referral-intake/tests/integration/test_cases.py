"""Cases applied repeatedly (the probation feed): created once, unchanged when re-sent, updated
with the changed fields named when they change."""
import pytest
from sqlalchemy import select

from pathways_intake.service_layer.cases import CaseOutcome, apply_case
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

pytestmark = pytest.mark.integration


async def announced(intake) -> list:
    async with intake.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))
        return [decode_event(r.payload) for r in rows]


async def test_a_case_is_created_then_unchanged_then_updated(api, referral):
    _, intake = api
    first = await apply_case(intake.service, parse_referral(referral), cause="caseload_export")
    assert first.outcome is CaseOutcome.created and first.revision == 1

    again = dict(referral, referred_at="2026-12-01T08:00:00Z", source={"type": "probation_auto_feed"})
    repeat = await apply_case(intake.service, parse_referral(again), cause="caseload_export")
    assert repeat.outcome is CaseOutcome.unchanged and repeat.revision == 1

    released = dict(referral, index_person=dict(referral["index_person"], stage="licence", release_date="2026-12-20"))
    update = await apply_case(intake.service, parse_referral(released), cause="prison-offender-events.prisoner.released")
    assert update.outcome is CaseOutcome.updated and update.revision == 2
    assert update.changed_fields == ("index_person.release_date", "index_person.stage")

    events = await announced(intake)
    assert [e.eventType for e in events] == [EventType.referral_submitted, EventType.referral_updated]
    info = events[1].additionalInformation
    assert info["changed_fields"] == ["index_person.release_date", "index_person.stage"]
    assert info["routing_view"]["index_person"]["stage"] == "licence"
    assert info["routing_view"]["referred_at"].startswith("2026-11-02"), "the case keeps its first referral date"
    assert "Sam" not in events[1].model_dump_json()


async def test_family_members_are_matched_by_person_ref(api, referral):
    _, intake = api
    await apply_case(intake.service, parse_referral(referral), cause="caseload_export")
    reordered = dict(referral, family_members=list(reversed(referral["family_members"])))
    assert (await apply_case(intake.service, parse_referral(reordered), cause="caseload_export")).outcome is CaseOutcome.unchanged
    fewer = dict(referral, family_members=referral["family_members"][:1])
    result = await apply_case(intake.service, parse_referral(fewer), cause="caseload_export")
    assert result.changed_fields == ("family_members[c1] removed",)
