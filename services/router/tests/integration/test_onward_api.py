"""Onward referrals through the API (../shared/domain/POLICY.md §4), on SQLite and PostgreSQL: the
receiving provider's clauses decide with the referring provider as the source; the new provider
referral links to its parent; refusals are explained; another provider's referral is unknown."""
import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pathways_router.adapters.tables import open_referrals
from pathways_router.domain.grouping import provider_referral_id
from pathways_router.service_layer.duplicates import on_activity_event
from pathways_router.service_layer.handlers import received_from
from pathways_shared.contracts.lifecycle import Status
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event
from pathways_shared.events import EventType

from .conftest import KEY

pytestmark = pytest.mark.integration
HOUSEHOLD = "5b9e7a1c-2f4d-4e8a-9c3b-6d1e0f2a4b7c"


@pytest.fixture
async def routed(desk):
    """The household routed: MOMS and Shelter for ix, POPS for p1, TMUK for c1 with carer p1."""
    referral_id = await desk.submit(desk.household(HOUSEHOLD))
    assert {r["provider"] for r in await desk.published(EventType.provider_referral_raised)} == {
        "moms", "shelter", "pops", "tmuk"}
    return desk, referral_id


def onward(desk, parent, token="tok-moms", **body):
    body = {"provider": "tmuk", "person_refs": ["c1"], "reason": "child_support", **body}
    headers = desk.bearer(token) if token else {}
    return desk.client.post(f"/v1/provider-referrals/{parent}/onward-referrals", json=body, headers=headers)


async def close(desk, provider: str) -> None:
    [opened] = [r for r in await desk.raised(provider) if r["parent_provider_referral_id"] is None]
    assert await on_activity_event(desk.router.engine, desk.status_changed(opened, Status.completed)) is True


async def test_an_eligible_onward_referral_is_raised_and_links_to_its_parent(routed):
    desk, referral_id = routed
    moms = provider_referral_id(referral_id, "moms")
    await close(desk, "tmuk")  # c1's first TMUK referral is over; MOMS sees the need again
    answer = await onward(desk, moms)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["parent_provider_referral_id"], body["source"], body["onward_reason"]) == (
        str(moms), "provider:moms", "child_support")
    assert [(p["person_ref"], p["role"]) for p in body["persons"]] == [("c1", "subject"), ("p1", "carer")]
    event = (await desk.raised("tmuk"))[-1]
    routed_tmuk = str(provider_referral_id(referral_id, "tmuk"))
    assert event["provider_referral_id"] == body["provider_referral_id"] != routed_tmuk
    assert (event["parent_provider_referral_id"], event["source"], event["onward_reason"]) == (
        str(moms), "provider:moms", "child_support")
    assert event["referral_id"] == str(referral_id) and event["persons"][0]["pseudonym"].startswith("pp_")

    # TMUK refers the carer on to POPS: p1 already has an open POPS referral, so it is a duplicate.
    tmuk = body["provider_referral_id"]
    repeat = await onward(desk, tmuk, "tok-tmuk", provider="pops", person_refs=["p1"], reason="family_support")
    pops_routed = str(provider_referral_id(referral_id, "pops"))
    assert repeat.status_code == 409 and repeat.json()["duplicates"] == [
        {"person_ref": "p1", "open_provider_referral_id": pops_routed}]
    [dup] = await desk.published(EventType.duplicate_presentation_recorded)
    assert (dup["person_ref"], dup["provider"], dup["open_provider_referral_id"]) == ("p1", "pops", pops_routed)
    await close(desk, "pops")
    chained = await onward(desk, tmuk, "tok-tmuk", provider="pops", person_refs=["p1"], reason="family_support")
    assert chained.status_code == 201 and chained.json()["parent_provider_referral_id"] == tmuk
    assert (await desk.raised("pops"))[-1]["source"] == "provider:tmuk"


async def test_an_ineligible_onward_referral_is_refused_with_the_clauses(routed):
    desk, referral_id = routed
    before = len(await desk.published(EventType.provider_referral_raised))
    answer = await onward(desk, provider_referral_id(referral_id, "moms"), provider="pops", reason="family_support")
    assert answer.status_code == 422
    body = answer.json()
    assert body["problems"][0]["type"] == "not_eligible"
    assert "c1 is ineligible for pops — POPS-1 fail: c1 is 7" in body["problems"][0]["message"]
    assert [(d["person_ref"], d["decision"], [c["id"] for c in d["clauses"]]) for d in body["decisions"]] == [
        ("c1", "ineligible", ["POPS-1"])]
    assert len(await desk.published(EventType.provider_referral_raised)) == before


async def test_a_provider_cannot_refer_on_from_a_referral_that_is_not_its_own(routed):
    desk, referral_id = routed
    moms = provider_referral_id(referral_id, "moms")
    for parent, token in ((moms, "tok-pops"), (uuid.uuid4(), "tok-moms"), ("not-an-id", "tok-moms")):
        answer = await onward(desk, parent, token)
        assert answer.status_code == 404 and answer.json()["problems"][0]["type"] == "unknown_provider_referral"
    assert (await onward(desk, moms, None)).status_code == 401
    assert (await onward(desk, moms, "tok-comm")).status_code == 403


@pytest.mark.parametrize("body, path, kind", [
    (dict(person_refs=["zz"]), "person_refs[0]", "unknown_person"),
    (dict(provider="moms", person_refs=["ix"]), "provider", "same_provider"),
    (dict(provider="dwp"), "provider", "unknown_provider"),
    (dict(reason="because"), "reason", "enum"),
    (dict(person_refs=[]), "person_refs", "too_short"),
    (dict(person_refs=["c1", "c1"]), "person_refs", "value_error"),
])
async def test_a_bad_request_names_the_problem(routed, body, path, kind):
    desk, referral_id = routed
    answer = await onward(desk, provider_referral_id(referral_id, "moms"), "tok-admin", **body)
    assert answer.status_code == 422
    assert (answer.json()["problems"][0]["path"], answer.json()["problems"][0]["type"]) == (path, kind)


async def test_a_provider_without_capacity_takes_no_onward_referral(routed):
    desk, referral_id = routed
    await close(desk, "tmuk")
    await desk.client.put("/v1/providers/tmuk/capacity", json={"capacity": "no_capacity"},
                          headers=desk.bearer("tok-tmuk"))
    answer = await onward(desk, provider_referral_id(referral_id, "moms"))
    assert answer.status_code == 409 and answer.json()["problems"][0]["type"] == "at_capacity"


async def test_the_same_onward_referral_sent_thirty_times_at_once_is_raised_once(routed):
    desk, referral_id = routed
    moms = provider_referral_id(referral_id, "moms")
    await close(desk, "tmuk")
    before = len(await desk.raised("tmuk"))
    answers = await asyncio.gather(*(onward(desk, moms) for _ in range(30)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 29, [a.text for a in answers]
    assert len(await desk.raised("tmuk")) == before + 1


async def test_an_onward_referral_waits_for_a_routing_raising_for_the_same_person(routed):
    """Mia (c1) is presented by a second household while MOMS refers her on to TMUK: whichever
    comes second finds her open at TMUK, so she gets one TMUK referral, not two."""
    desk, referral_id = routed
    await close(desk, "tmuk")
    elsewhere = parse_referral(desk.household(str(uuid.uuid4()), "X000002", [
        desk.person("p2", "other_relative", "Ann", 50), desk.person("k1", "grandchild", "Mia", 7, carer_ref="p2")]))
    event = referral_submitted_event(elsewhere, revision=1, received_at=datetime.now(UTC), pseudonym_key=KEY)
    async with desk.router.engine.begin() as conn:   # the routing, not committed yet
        assert await desk.router.service.handle(conn, event, received_from(event)) is True
        referring = asyncio.create_task(onward(desk, provider_referral_id(referral_id, "moms")))
        await asyncio.sleep(1)   # long enough for the onward referral to finish, were it not held
    answer = await referring
    assert answer.status_code == 409 and answer.json()["duplicates"][0]["person_ref"] == "c1", answer.text
    [mia] = {p["pseudonym"] for r in await desk.raised("tmuk") for p in r["persons"] if p["person_ref"] == "k1"}
    async with desk.router.engine.connect() as conn:
        open_at_tmuk = await conn.scalar(select(func.count()).select_from(open_referrals).where(
            open_referrals.c.pseudonym == mia, open_referrals.c.provider == "tmuk"))
    assert open_at_tmuk == 1
