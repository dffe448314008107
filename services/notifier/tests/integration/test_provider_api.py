"""The provider API on real databases: who may see and change what, the lifecycle through HTTP,
and each change's event in the outbox."""
import asyncio
import json

import pytest

from pathways_shared.contracts.lifecycle import STAR_FACTORS
from pathways_shared.events import EventType

from .conftest import published
from .lifecycle_world import TODAY, world  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

BASE = "/v1/provider-referrals"
SCORES = {factor: 4 for factor in STAR_FACTORS}


async def test_each_provider_sees_only_its_own(world):
    for who, mine, theirs in (("pops", world.pops, world.tmuk), ("tmuk", world.tmuk, world.pops)):
        listed = await world.get(BASE, who)
        assert listed.status_code == 200
        assert [r["provider_referral_id"] for r in listed.json()] == [mine]
        assert (await world.get(f"{BASE}/{mine}", who)).status_code == 200
        hidden = await world.get(f"{BASE}/{theirs}", who)
        unknown = await world.get(f"{BASE}/00000000-0000-4000-8000-000000000000", who)
        assert hidden.status_code == unknown.status_code == 404  # told apart nowhere
        assert hidden.json()["problems"][0]["type"] == unknown.json()["problems"][0]["type"]
    admin = await world.get(BASE, "admin")
    assert sorted(r["provider"] for r in admin.json()) == ["pops", "tmuk"]


@pytest.mark.parametrize(("path", "body"), [
    ("status", {"status": "accepted"}),
    ("first-contact", {"contacted_on": "2026-11-03", "method": "phone"}),
    ("outcome-star", {"person_ref": "c1", "reading": "opening", "scores": SCORES}),
])
async def test_a_provider_cannot_touch_another_providers_referral(world, path, body):
    refused = await world.post(f"{BASE}/{world.tmuk}/{path}", "pops", body)

    assert refused.status_code == 404
    tmuk = (await world.get(f"{BASE}/{world.tmuk}", "tmuk")).json()
    assert (tmuk["status"], tmuk["first_contact"], tmuk["star_readings"]) == ("requested", None, [])
    assert await published(world.notifier, EventType.provider_referral_status_changed) == []
    assert await published(world.notifier, EventType.first_contact_recorded) == []


async def test_tokens_and_scopes(world):
    one = f"{BASE}/{world.pops}"
    for path in (BASE, one, "/v1/overdue"):
        assert (await world.get(path, None)).status_code == 401
        assert (await world.api.get(path, headers={"Authorization": "Bearer nope"})).status_code == 401
        assert (await world.get(path, "referrer")).status_code == 403
    assert (await world.post(f"{one}/status", None, {"status": "accepted"})).status_code == 401
    assert (await world.get(BASE, "commissioner")).status_code == 403
    assert (await world.post(f"{one}/status", "commissioner", {"status": "accepted"})).status_code == 403
    assert (await world.get("/v1/overdue", "pops")).status_code == 403
    assert (await world.get("/v1/overdue", "commissioner")).status_code == 200
    assert (await world.get("/v1/overdue", "admin")).status_code == 200


async def test_the_view_holds_only_what_the_provider_may_see(world):
    view = (await world.get(f"{BASE}/{world.tmuk}", "tmuk")).json()

    assert view["status"] == "requested" and view["allowed_next"] == ["accepted", "cancelled", "on-hold", "rejected"]
    assert view["first_contact_due_on"] == "2026-11-09" and view["overdue"] is False
    assert view["history"][0] | {"changed_at": None} == {"from_status": None, "to_status": "requested",
                                                          "reason": None, "by": "system", "changed_at": None}
    assert view["details"]["persons"] == [
        {"person_ref": "c1", "role": "subject", "given_name": "Lily", "age": 6, "relationship": "child"},
        {"person_ref": "m1", "role": "carer", "given_name": "Ann", "family_name": "Rigby",
         "contact": {"phone": "07700 900123"}}]
    text = json.dumps(view)
    assert "X000001" not in text and "identifiers" not in text and "psn-" not in text
    overdue_view = (await world.get("/v1/overdue", "commissioner")).json()
    assert overdue_view == []


async def test_a_referral_through_its_lifecycle(world):
    one = f"{BASE}/{world.pops}"
    steps = [({"status": "accepted"}, "accepted"),
             ({"status": "in-progress"}, "in-progress"),
             ({"status": "on-hold", "reason": "in_custody"}, "on-hold"),
             ({"status": "in-progress"}, "in-progress"),
             ({"status": "completed"}, "completed")]
    for body, status in steps:
        answer = await world.post(f"{one}/status", "pops", body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status
    final = (await world.get(one, "pops")).json()
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in final["history"]] == [
        (None, "requested", None), ("requested", "accepted", None), ("accepted", "in-progress", None),
        ("in-progress", "on-hold", "in_custody"), ("on-hold", "in-progress", None),
        ("in-progress", "completed", None)]
    assert final["allowed_next"] == []
    events = await published(world.notifier, EventType.provider_referral_status_changed)
    assert [(e.additionalInformation["from_status"], e.additionalInformation["to_status"]) for e, _ in events] == [
        ("requested", "accepted"), ("accepted", "in-progress"), ("in-progress", "on-hold"),
        ("on-hold", "in-progress"), ("in-progress", "completed")]
    held, topic = events[2]
    assert topic == "t.provider-activity"
    assert held.additionalInformation["reason"] == "in_custody" and held.additionalInformation["by"] == "provider:pops"
    assert {i.value for i in held.personReference.identifiers} == {"psn-m1", "psn-c1"}


async def test_illegal_changes_are_refused_with_the_allowed_next_statuses(world):
    one = f"{BASE}/{world.pops}"
    skipped = await world.post(f"{one}/status", "pops", {"status": "in-progress"})
    assert skipped.status_code == 409
    assert skipped.json()["allowed"] == ["accepted", "cancelled", "on-hold", "rejected"]
    assert skipped.json()["from_status"] == "requested"

    assert (await world.post(f"{one}/status", "pops", {"status": "on-hold", "reason": "in_custody"})).status_code == 200
    jumped = await world.post(f"{one}/status", "pops", {"status": "accepted"})
    assert jumped.status_code == 409 and jumped.json()["allowed"] == ["cancelled", "failed", "requested"]
    assert (await world.post(f"{one}/status", "pops", {"status": "requested"})).status_code == 200
    assert len(await published(world.notifier, EventType.provider_referral_status_changed)) == 2


async def test_reasons_are_required_where_marked_and_come_from_the_closed_list(world):
    one = f"{BASE}/{world.pops}"
    missing = await world.post(f"{one}/status", "pops", {"status": "rejected"})
    assert missing.status_code == 422
    assert missing.json()["problems"][0]["path"] == "reason" and "client_not_told" in missing.text
    unknown = await world.post(f"{one}/status", "pops", {"status": "rejected", "reason": "didnt_fancy_it"})
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["path"] == "reason"
    bad_status = await world.post(f"{one}/status", "pops", {"status": "closed"})
    assert bad_status.status_code == 422 and bad_status.json()["problems"][0]["path"] == "status"
    assert (await world.get(one, "pops")).json()["status"] == "requested"
    done = await world.post(f"{one}/status", "pops", {"status": "rejected", "reason": "client_not_told"})
    assert done.status_code == 200 and done.json()["reason"] == "client_not_told"


async def test_first_contact_is_recorded_once(world):
    one = f"{BASE}/{world.tmuk}"
    for body, path in (({"contacted_on": "2026-11-05", "method": "phone"}, "contacted_on"),  # after TODAY
                       ({"contacted_on": "2026-11-01", "method": "phone"}, "contacted_on"),  # before delivery
                       ({"contacted_on": "2026-11-03", "method": "carrier_pigeon"}, "method")):
        refused = await world.post(f"{one}/first-contact", "tmuk", body)
        assert refused.status_code == 422 and refused.json()["problems"][0]["path"] == path
    done = await world.post(f"{one}/first-contact", "tmuk", {"contacted_on": "2026-11-03", "method": "phone"})
    assert done.status_code == 200
    assert done.json()["first_contact"] == {"contacted_on": "2026-11-03", "method": "phone", "by": "provider:tmuk"}
    again = await world.post(f"{one}/first-contact", "admin", {"contacted_on": "2026-11-04", "method": "video"})
    assert again.status_code == 409
    [(event, topic)] = await published(world.notifier, EventType.first_contact_recorded)
    assert topic == "t.provider-activity"
    info = event.additionalInformation
    assert (info["contacted_on"], info["method"], info["provider"]) == ("2026-11-03", "phone", "tmuk")


async def test_outcome_star_readings(world):
    one = f"{BASE}/{world.pops}"
    opening = {"person_ref": "m1", "reading": "opening", "scores": SCORES}
    assert (await world.post(f"{one}/outcome-star", "pops", opening)).status_code == 409  # no case opened yet
    for status in ("accepted", "in-progress"):
        assert (await world.post(f"{one}/status", "pops", {"status": status})).status_code == 200

    bad = await world.post(f"{one}/outcome-star", "pops", opening | {"scores": SCORES | {"offending": 11,
                                                                                       "managing_money": None}})
    assert bad.status_code == 422
    assert sorted(p["path"] for p in bad.json()["problems"]) == ["scores.managing_money", "scores.offending"]
    stranger = await world.post(f"{one}/outcome-star", "pops", opening | {"person_ref": "ix"})
    assert stranger.status_code == 422 and stranger.json()["problems"][0]["path"] == "person_ref"
    early = await world.post(f"{one}/outcome-star", "pops", opening | {"reading": "review"})
    assert early.status_code == 409

    done = await world.post(f"{one}/outcome-star", "admin", opening)
    assert done.status_code == 200
    [reading] = done.json()["star_readings"]
    assert reading["reading"] == "opening" and reading["recorded_on"] == TODAY.isoformat() and reading["by"] == "admin"
    assert reading["scores"]["offending"] == {"score": 4, "band": "Accepting help"}
    assert (await world.post(f"{one}/outcome-star", "pops", opening)).status_code == 409  # a second opening
    closing = await world.post(f"{one}/outcome-star", "pops", opening | {"reading": "closing",
                                                                          "scores": SCORES | {"offending": 9}})
    assert closing.json()["star_readings"][1]["scores"]["offending"]["band"] == "Self-reliance"
    events = await published(world.notifier, EventType.outcome_star_recorded)
    assert [(e.additionalInformation["reading"], e.additionalInformation["pseudonym"]) for e, _ in events] == [
        ("opening", "psn-m1"), ("closing", "psn-m1")]
    assert events[1][0].additionalInformation["scores"]["offending"] == 9


async def test_the_lifecycle_still_works_when_the_household_cannot_be_read(world, intake):
    intake.documents.clear()
    view = (await world.get(f"{BASE}/{world.pops}", "pops")).json()
    assert view["details"] is None and view["details_unavailable"] == "intake answered HTTP 404"
    changed = await world.post(f"{BASE}/{world.pops}/status", "pops", {"status": "accepted"})
    assert changed.status_code == 200 and changed.json()["status"] == "accepted"


async def test_concurrent_answers_one_wins_the_other_is_refused(world):
    answers = await asyncio.gather(
        world.post(f"{BASE}/{world.pops}/status", "pops", {"status": "accepted"}),
        world.post(f"{BASE}/{world.pops}/status", "pops", {"status": "rejected", "reason": "family_refused"}))
    assert sorted(a.status_code for a in answers) == [200, 409]
    history = (await world.get(f"{BASE}/{world.pops}", "pops")).json()["history"]
    assert len(history) == 2
    assert len(await published(world.notifier, EventType.provider_referral_status_changed)) == 1


async def test_the_same_opening_reading_sent_thirty_times_at_once_is_recorded_once(world):
    one = f"{BASE}/{world.pops}"
    for status in ("accepted", "in-progress"):
        assert (await world.post(f"{one}/status", "pops", {"status": status})).status_code == 200
    opening = {"person_ref": "m1", "reading": "opening", "scores": SCORES}
    answers = await asyncio.gather(*(world.post(f"{one}/outcome-star", "pops", opening) for _ in range(30)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 29
    assert len((await world.get(one, "pops")).json()["star_readings"]) == 1
    assert len(await published(world.notifier, EventType.outcome_star_recorded)) == 1


async def test_first_contact_sent_thirty_times_at_once_is_recorded_once_and_the_others_say_when(world):
    one = f"{BASE}/{world.tmuk}"
    body = {"contacted_on": "2026-11-03", "method": "phone"}
    answers = await asyncio.gather(*(world.post(f"{one}/first-contact", "tmuk", body) for _ in range(30)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 29
    refusals = {a.json()["problems"][0]["message"] for a in answers if a.status_code == 409}
    assert refusals == {"first contact is already recorded, on 2026-11-03"}
    assert len(await published(world.notifier, EventType.first_contact_recorded)) == 1


@pytest.mark.parametrize("written", [1793664000, "1793664000", "20261103", "2026-11-03T00:00:00"])  # 2026-11-03 as Unix times
async def test_first_contact_is_a_date_written_yyyy_mm_dd_never_a_unix_time(world, written):
    one = f"{BASE}/{world.tmuk}"
    refused = await world.post(f"{one}/first-contact", "tmuk", {"contacted_on": written, "method": "phone"})
    assert refused.status_code == 422 and refused.json()["problems"][0]["path"] == "contacted_on", refused.text
    assert (await world.get(one, "tmuk")).json()["first_contact"] is None


async def test_the_overdue_list_of_a_provider_that_does_not_exist_is_refused_naming_the_providers(world):
    # An empty list would read as "nothing overdue" to a commissioner who mistyped the provider.
    for who in ("commissioner", "admin"):
        refused = await world.get("/v1/overdue", who, provider="nobody")
        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["problems"]
        assert (problem["path"], problem["type"]) == ("query.provider", "unknown_provider")
        assert "'nobody'" in problem["message"]
        assert "magistra, moms, pops, shelter, tmuk" in problem["message"]  # the rulebook's providers
    for provider in ("pops", "shelter"):  # funded, nothing overdue: still an empty list
        known = await world.get("/v1/overdue", "commissioner", provider=provider)
        assert (known.status_code, known.json()) == (200, [])


async def test_a_provider_referral_status_not_in_the_lifecycle_is_refused(world):
    assert (await world.get(BASE, "pops", status="closed")).status_code == 422
