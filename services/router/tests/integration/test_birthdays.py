"""The router holds ages, never dates of birth: a household announced again on a birthday
(ReferralUpdated, cause "birthday") is routed on the new ages, and what it stores has no date of
birth in it."""
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pathways_router.adapters.tables import households
from pathways_shared.contracts.payloads import ReferralUpdated
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event, routing_view
from pathways_shared.events import EventType, new_event

from .conftest import KEY

pytestmark = pytest.mark.integration
CHILD_BORN = "2021-11-20"   # 4 on the referral date (2026-11-02): TMUK stretch; 5 on 2026-11-20: core range


def birthday(referral, revision: int, on: date):
    payload = ReferralUpdated(referral_id=referral.effective_id(), revision=revision, changed_fields=["age"],
                              cause="birthday", routing_view=routing_view(referral, on))
    return new_event(EventType.referral_updated, referral.effective_id(),
                     additional_information=payload.model_dump(mode="json"))


def tmuk_decision(routed: dict, ref: str) -> str:
    return next(d["decision"] for d in routed["decisions"] if d["person_ref"] == ref and d["provider"] == "tmuk")


async def test_a_birthday_announced_by_the_intake_routes_the_child_on_the_new_age(desk):
    doc = desk.household(str(uuid.uuid4()), members=[
        desk.person("p1", "partner", "Chloe", 23),
        {**desk.person("c1", "child", "Mia", 4, carer_ref="p1"), "date_of_birth": CHILD_BORN}])
    referral = parse_referral(doc)
    event = referral_submitted_event(referral, revision=1, received_at=datetime.now(UTC), pseudonym_key=KEY)
    assert await desk.router.service.on_referral_event(event) is True
    [first] = await desk.published(EventType.referral_routed)
    assert tmuk_decision(first, "c1") == "stretch"
    assert "is 4" in next(c["reason"] for d in first["decisions"] if d["person_ref"] == "c1"
                          and d["provider"] == "tmuk" for c in d["clauses"] if c["id"] == "TMUK-1")

    assert await desk.router.service.on_referral_event(birthday(referral, 2, date(2026, 11, 20))) is True
    routed = await desk.published(EventType.referral_routed)
    assert [r["revision"] for r in routed] == [1, 2]
    assert tmuk_decision(routed[-1], "c1") == "eligible"

    async with desk.router.engine.connect() as conn:
        stored = (await conn.execute(select(households.c.routing_view, households.c.revision))).one()
    child = next(m for m in stored.routing_view["family_members"] if m["person_ref"] == "c1")
    assert stored.revision == 2 and child["age_years"] == 5 and "date_of_birth" not in child
    assert CHILD_BORN not in str(stored.routing_view)
