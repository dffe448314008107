"""The router's handlers against a real database (SQLite and PostgreSQL): routing, idempotency,
consent releasing held decisions, and stored re-evaluations opening on their date."""
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pathways_router.adapters import repository as repo
from pathways_router.bootstrap import create_schema
from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.service_layer.handlers import RouterService
from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import ConsentRecorded
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event, routing_view
from pathways_shared.db import make_engine
from pathways_shared.events import EventType, decode_event, new_event
from pathways_shared.outbox import outbox

pytestmark = pytest.mark.integration
EXAMPLE = {
    "schema_version": "1", "referral_id": "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10",
    "referred_at": "2026-11-02T09:30:00Z", "source": {"type": "probation_practitioner"},
    "index_person": {"person_ref": "ix", "identifiers": [{"type": "CRN", "value": "X000001"}],
                     "given_name": "Sam", "date_of_birth": "2004-06-14", "sex": "male", "local_authority": "liverpool",
                     "stage": "custody", "release_date": "2026-12-21", "establishment": "LPI",
                     "offence": {"violent": True, "convicted": True}, "consent_to_contact_family": "pending",
                     "needs": ["homelessness_risk"]},
    "family_members": [
        {"person_ref": "m1", "relationship": "mother", "given_name": "Ann", "age_years": 47, "sex": "female",
         "local_authority": "liverpool", "consent_to_contact": "granted"},
        {"person_ref": "c1", "relationship": "child", "age_years": 7, "sex": "female", "local_authority": "liverpool",
         "carer_ref": "m1", "consent_to_contact": "granted"},
    ],
}
KEY = b"test-pseudonym-key"


class Clock:
    def __init__(self, today: date):
        self.day = today

    def __call__(self) -> date:
        return self.day


@pytest.fixture
async def service(db_url):
    engine = make_engine(db_url)
    await create_schema(engine)
    clock = Clock(date(2026, 11, 2))
    yield RouterService(engine, load_rulebook(), Topics("t."), clock), clock
    await engine.dispose()


async def published(engine, kind: EventType) -> list:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.payload).where(outbox.c.event_type == str(kind)).order_by(outbox.c.id))
        return [decode_event(r.payload) for r in rows]


def submitted(revision=1):
    referral = parse_referral(EXAMPLE)
    return referral, referral_submitted_event(referral, revision=revision, received_at=datetime.now(UTC), pseudonym_key=KEY)


async def test_a_submitted_household_is_routed_and_its_provider_referrals_raised(service):
    router, _ = service
    referral, event = submitted()
    assert await router.on_referral_event(event) is True
    raised = {e.additionalInformation["provider"]: e for e in await published(router.engine, EventType.provider_referral_raised)}
    # POPS is held (index consent pending); Shelter opens 14 days before release.
    assert sorted(raised) == ["magistra", "moms", "tmuk"]
    tmuk = raised["tmuk"].additionalInformation
    assert {(p["person_ref"], p["role"]) for p in tmuk["persons"]} == {("c1", "subject"), ("m1", "carer")}
    routed = await published(router.engine, EventType.referral_routed)
    assert len(routed) == 1 and len(routed[0].additionalInformation["decisions"]) == 15
    text = json.dumps([e.model_dump(mode="json") for e in routed + list(raised.values())])
    for clear in ("Sam", "Ann", "X000001", "2004-06-14"):
        assert clear not in text, f"{clear} leaked into an event"


async def test_the_same_event_twice_changes_nothing_twice(service):
    router, _ = service
    _, event = submitted()
    assert await router.on_referral_event(event) is True
    assert await router.on_referral_event(event) is False
    assert len(await published(router.engine, EventType.referral_routed)) == 1


async def test_consent_granted_releases_the_held_pops_referral(service):
    router, clock = service
    referral, event = submitted()
    await router.on_referral_event(event)
    changed = dict(EXAMPLE, index_person=dict(EXAMPLE["index_person"], consent_to_contact_family="granted"))
    view = routing_view(parse_referral(changed))
    consent = new_event(EventType.consent_recorded, referral.effective_id(), additional_information=ConsentRecorded(
        referral_id=referral.effective_id(), revision=2, person_ref="ix", consent="granted", routing_view=view,
    ).model_dump(mode="json"))
    clock.day = date(2026, 11, 3)
    await router.on_referral_event(consent)
    raised = [e.additionalInformation for e in await published(router.engine, EventType.provider_referral_raised)]
    pops = [r for r in raised if r["provider"] == "pops"]
    assert len(pops) == 1 and [p["person_ref"] for p in pops[0]["persons"]] == ["m1"]
    assert len(raised) == 4, "nothing else is raised again"


async def test_not_yet_is_stored_and_reevaluated_when_its_date_arrives(service):
    router, clock = service
    referral, event = submitted()
    await router.on_referral_event(event)
    async with router.engine.connect() as conn:
        assert await repo.due_for_reevaluation(conn, date(2026, 12, 6)) == []
        assert await repo.due_for_reevaluation(conn, date(2026, 12, 7)) == [referral.effective_id()]
    clock.day = date(2026, 12, 6)
    assert await router.reevaluate_due() == 0
    clock.day = date(2026, 12, 7)
    assert await router.reevaluate_due() == 1
    shelter = [e.additionalInformation for e in await published(router.engine, EventType.provider_referral_raised)
               if e.additionalInformation["provider"] == "shelter"]
    assert len(shelter) == 1 and shelter[0]["persons"][0]["person_ref"] == "ix"
    latest = (await published(router.engine, EventType.referral_routed))[-1].additionalInformation
    assert latest["as_of"] == "2026-12-07"
    assert [d["decision"] for d in latest["decisions"]
            if d["provider"] == "shelter" and d["person_ref"] == "ix"] == ["eligible"]
    async with router.engine.connect() as conn:
        assert await repo.due_for_reevaluation(conn, date(2027, 1, 1)) == []
