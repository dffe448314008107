"""Dates of birth never leave the intake: events carry ages in whole years, and the birthday job
announces a household again (ReferralUpdated, changed_fields ["age"], cause "birthday") once
someone's age has changed since it was last announced."""
from datetime import date

import pytest
from sqlalchemy import select

from pathways_intake.adapters.tables import referrals
from pathways_intake.service_layer.ages import BirthdayAnnouncements
from pathways_intake.service_layer.cases import apply_case
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.vocabulary import Consent
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day


async def announced(intake) -> list:
    async with intake.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))
        return [decode_event(r.payload) for r in rows]


async def change_on(intake, referral_id) -> date | None:
    async with intake.engine.connect() as conn:
        return (await conn.execute(select(referrals.c.ages_change_on)
                                   .where(referrals.c.referral_id == referral_id))).scalar_one()


def ages(event) -> dict:
    view = event.additionalInformation["routing_view"]
    return {p["person_ref"]: p["age_years"] for p in [view["index_person"], *view["family_members"]]}


def with_child_born(referral: dict, born: str) -> dict:
    members = [dict(m) for m in referral["family_members"]]
    members[1].pop("age_years")
    members[1]["date_of_birth"] = born
    return dict(referral, family_members=members)


@pytest.fixture
def clock(api):
    _, intake = api
    intake.service.today = Clock(date(2026, 11, 1))  # the day before the referral date
    return intake.service.today


async def test_events_carry_ages_and_the_job_announces_each_birthday_once(api, referral, clock, clear_values):
    client, intake = api
    referral = with_child_born(referral, "2021-11-20")   # 4 on 2026-11-02, 5 on 2026-11-20
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    rid = parse_referral(referral).effective_id()
    [submitted] = await announced(intake)
    assert ages(submitted) == {"ix": 22, "m1": 47, "c1": 4}  # on the referral date, not the day before
    assert await change_on(intake, rid) == date(2026, 11, 20)
    job = BirthdayAnnouncements(intake.service)

    clock.day = date(2026, 11, 19)
    assert await job.run_due() == 0
    clock.day = date(2026, 11, 21)  # a day late (the job was not running): announced all the same
    assert await job.run_due() == 1
    assert await job.run_due() == 0, "announced once"
    events = await announced(intake)
    assert [e.eventType for e in events] == [EventType.referral_submitted, EventType.referral_updated]
    info = events[1].additionalInformation
    assert (info["changed_fields"], info["cause"], info["revision"]) == (["age"], "birthday", 2)
    assert ages(events[1]) == {"ix": 22, "m1": 47, "c1": 5}
    assert {i.value for i in events[1].personReference.identifiers} == \
        {i.value for i in submitted.personReference.identifiers}
    assert await change_on(intake, rid) == date(2027, 6, 14)  # the index person's next
    for event in events:
        text = event.model_dump_json()
        assert not [v for v in clear_values if v in text], "a clear value left the intake"
        assert "date_of_birth" not in str(event.additionalInformation["routing_view"])
    status = (await client.get(f"/v1/referrals/{rid}")).json()
    assert status["revision"] == 2


async def test_born_on_29_february_the_age_changes_on_1_march(api, referral, clock):
    client, intake = api
    referral = with_child_born(dict(referral, referred_at="2027-02-10T10:00:00Z"), "2020-02-29")
    clock.day = date(2027, 2, 10)
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    rid = parse_referral(referral).effective_id()
    assert await change_on(intake, rid) == date(2027, 3, 1)
    job = BirthdayAnnouncements(intake.service)
    clock.day = date(2027, 2, 28)
    assert await job.run_due() == 0
    clock.day = date(2027, 3, 1)
    assert await job.run_due() == 1
    assert ages((await announced(intake))[-1])["c1"] == 7


async def test_every_announcement_uses_todays_ages_and_moves_the_next_change(api, referral, clock):
    client, intake = api
    referral = with_child_born(referral, "2021-11-20")
    await client.post("/v1/referrals", json=referral)
    rid = parse_referral(referral).effective_id()
    clock.day = date(2026, 12, 1)   # past the birthday, before the job ran: a consent change announces it
    outcome = await intake.service.record_consent(rid, "c1", Consent.granted)
    assert outcome.changed
    consent = (await announced(intake))[-1]
    assert consent.eventType == EventType.consent_recorded and ages(consent)["c1"] == 5
    assert await change_on(intake, rid) == date(2027, 6, 14)
    assert await BirthdayAnnouncements(intake.service).run_due() == 0, "already announced"

    clock.day = date(2027, 7, 1)    # and a changed case from the probation feed
    moved = dict(referral, index_person=dict(referral["index_person"], stage="licence"))
    await apply_case(intake.service, parse_referral(moved), cause="caseload_export")
    updated = (await announced(intake))[-1]
    assert updated.additionalInformation["cause"] == "caseload_export" and ages(updated)["ix"] == 23
    assert await change_on(intake, rid) == date(2027, 11, 20)
