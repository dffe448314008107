"""Providers' capacity through the API (../shared/domain/POLICY.md §4), on SQLite and PostgreSQL:
it overrides the rulebook, and a change that makes held decisions routable raises them in order of
arrival; who may set it; the triage list needs a commissioner."""
import asyncio

import pytest

from pathways_router.domain.grouping import provider_referral_id
from pathways_shared.events import EventType

pytestmark = pytest.mark.integration
# Arrival is A, then B, then C; the ids sort the other way, so an order by id would show.
A, B, C = ("ffffffff-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
           "88888888-0000-4000-8000-00000000000c")


def with_child(desk, referral_id, crn, name, age):
    return desk.household(referral_id, crn, [desk.person("p1", "partner", f"{name}'s carer", 23),
                                             desk.person("c1", "child", name, age, carer_ref="p1")])


async def put(desk, provider, capacity, token):
    return await desk.client.put(f"/v1/providers/{provider}/capacity", json={"capacity": capacity},
                                 headers=desk.bearer(token))


async def test_capacity_returning_releases_held_referrals_in_order_of_arrival(desk):
    answer = await put(desk, "tmuk", "no_capacity", "tok-tmuk")
    assert answer.status_code == 200
    assert answer.json() == {"provider": "tmuk", "previous": "has_capacity", "capacity": "no_capacity",
                             "changed": True, "released": []}
    ids = {}
    for key, crn, name, age in ((A, "X000011", "Ava", 3), (B, "X000012", "Bea", 4), (C, "X000013", "Cal", 7)):
        ids[key] = str(provider_referral_id(await desk.submit(with_child(desk, key, crn, name, age)), "tmuk"))
    assert await desk.raised("tmuk") == []
    assert len(await desk.raised("shelter")) == 3, "other providers are routed as usual"

    providers = (await desk.client.get("/v1/providers", headers=desk.bearer("tok-ref"))).json()
    tmuk = next(p for p in providers if p["provider"] == "tmuk")
    assert (tmuk["capacity"], tmuk["declared"]) == ("no_capacity", "has_capacity") and tmuk["set_at"]

    # Under waitlist the eligible child is routed (waitlisted); the stretch children still wait.
    waitlist = await put(desk, "tmuk", "waitlist", "tok-admin")
    assert waitlist.status_code == 200, waitlist.text
    assert waitlist.json()["released"] == [ids[C]]
    [c] = await desk.raised("tmuk")
    assert (c["provider_referral_id"], c["capacity"], c["waitlisted"]) == (ids[C], "waitlist", True)

    back = await put(desk, "tmuk", "has_capacity", "tok-tmuk")
    assert back.json()["released"] == [ids[A], ids[B]]
    assert [r["provider_referral_id"] for r in await desk.raised("tmuk")] == [ids[C], ids[A], ids[B]]
    assert all(r["source"] == "probation_practitioner" for r in await desk.raised("tmuk"))

    changes = await desk.published(EventType.provider_capacity_changed)
    assert [(e["previous"], e["capacity"], e["released"]) for e in changes] == [
        ("has_capacity", "no_capacity", []), ("no_capacity", "waitlist", [ids[C]]),
        ("waitlist", "has_capacity", [ids[A], ids[B]])]
    again = await put(desk, "tmuk", "has_capacity", "tok-tmuk")
    assert again.json()["changed"] is False and again.json()["released"] == []
    assert len(await desk.published(EventType.provider_capacity_changed)) == 3


async def test_a_released_household_is_not_released_twice(desk):
    await put(desk, "tmuk", "no_capacity", "tok-tmuk")
    await desk.submit(with_child(desk, A, "X000011", "Ava", 3))
    assert len((await put(desk, "tmuk", "has_capacity", "tok-tmuk")).json()["released"]) == 1
    await put(desk, "tmuk", "no_capacity", "tok-tmuk")
    assert (await put(desk, "tmuk", "has_capacity", "tok-tmuk")).json()["released"] == []
    assert len(await desk.raised("tmuk")) == 1


@pytest.mark.parametrize("token, status", [(None, 401), ("not-a-token", 401), ("tok-pops", 403),
                                           ("tok-comm", 403), ("tok-ref", 403)])
async def test_only_the_provider_itself_or_an_admin_sets_its_capacity(desk, token, status):
    headers = desk.bearer(token) if token else {}
    answer = await desk.client.put("/v1/providers/tmuk/capacity", json={"capacity": "waitlist"}, headers=headers)
    assert answer.status_code == status
    assert answer.json()["problems"][0]["type"] == f"http_{status}"
    assert await desk.published(EventType.provider_capacity_changed) == []


async def test_an_unknown_provider_or_capacity_is_named(desk):
    unknown = await put(desk, "nobody", "waitlist", "tok-admin")
    assert unknown.status_code == 404 and unknown.json()["problems"][0]["type"] == "unknown_provider"
    wrong = await put(desk, "tmuk", "full", "tok-tmuk")
    assert wrong.status_code == 422 and wrong.json()["problems"][0]["path"] == "capacity"


@pytest.mark.parametrize("token, status", [(None, 401), ("tok-pops", 403), ("tok-ref", 403),
                                           ("tok-comm", 200), ("tok-admin", 200)])
async def test_the_triage_list_is_for_commissioners(desk, token, status):
    answer = await desk.client.get("/v1/triage", headers=desk.bearer(token) if token else {})
    assert answer.status_code == status


async def test_providers_need_a_token(desk):
    assert (await desk.client.get("/v1/providers")).status_code == 401


async def test_the_same_capacity_change_sent_thirty_times_at_once_changes_it_once(desk):
    answers = await asyncio.gather(*(put(desk, "tmuk", "no_capacity", "tok-tmuk") for _ in range(30)))
    assert [a.status_code for a in answers] == [200] * 30
    assert sorted(a.json()["changed"] for a in answers) == [False] * 29 + [True]
    assert len(await desk.published(EventType.provider_capacity_changed)) == 1


async def test_a_query_parameter_given_twice_is_refused_naming_it(desk):
    listed = await desk.client.get("/v1/providers?provider=pops&prov%69der=tmuk", headers=desk.bearer("tok-ref"))
    assert listed.status_code == 422
    assert listed.json() == {"problems": [{"path": "query.provider", "type": "repeated_parameter",
                                           "message": "given 2 times; give it once"}]}
    changed = await desk.client.put("/v1/providers/tmuk/capacity?dry_run=1&dry_run=0", json={"capacity": "waitlist"},
                                    headers=desk.bearer("tok-tmuk"))
    assert changed.status_code == 422 and changed.json()["problems"][0]["path"] == "query.dry_run"
    assert await desk.published(EventType.provider_capacity_changed) == []
