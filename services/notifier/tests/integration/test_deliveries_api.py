"""The operators' deliveries API refuses in the provider API's problem shape, naming what was wrong:
an unknown delivery, a replay of one that is not dead-lettered, a provider not in the rulebook."""
import pytest

from . import lifecycle_world

world = lifecycle_world.world  # the fixture, as pytest finds it here
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_an_unknown_delivery_is_a_problem_naming_it(world):
    for answer in (await world.get("/v1/deliveries/no-such-id", "admin"),
                   await world.api.post("/v1/deliveries/no-such-id/replay", headers=world.as_("admin"))):
        assert answer.status_code == 404
        assert answer.json() == {"problems": [{"path": "webhook_id", "type": "unknown_delivery",
                                               "message": "no delivery 'no-such-id'"}]}


async def test_replaying_a_delivered_delivery_is_a_conflict_saying_its_status(world):
    delivered = (await world.get("/v1/deliveries", "admin", provider="pops")).json()
    assert [d["status"] for d in delivered] == ["delivered"]
    webhook_id = delivered[0]["webhook_id"]
    answer = await world.api.post(f"/v1/deliveries/{webhook_id}/replay", headers=world.as_("admin"))
    assert answer.status_code == 409
    assert answer.json()["delivery_status"] == "delivered"
    assert answer.json()["problems"] == [{
        "path": "webhook_id", "type": "not_dead_lettered",
        "message": f"delivery {webhook_id!r} is delivered; only a dead-lettered one is replayed"}]
    assert (await world.get(f"/v1/deliveries/{webhook_id}", "admin")).json()["status"] == "delivered"


async def test_a_provider_not_in_the_rulebook_is_refused_not_answered_with_nothing(world):
    answer = await world.get("/v1/deliveries", "admin", provider="popz")
    assert answer.status_code == 422
    [found] = answer.json()["problems"]
    assert (found["path"], found["type"]) == ("query.provider", "unknown_provider")
    assert "'popz'" in found["message"] and "magistra, moms, pops, shelter, tmuk" in found["message"]
    assert [d["provider"] for d in (await world.get("/v1/deliveries", "admin", provider="tmuk")).json()] == ["tmuk"]


async def test_the_deliveries_are_the_admins_alone(world):
    for who, refused in ((None, 401), ("pops", 403), ("commissioner", 403), ("referrer", 403)):
        assert (await world.get("/v1/deliveries", who)).status_code == refused
        assert (await world.api.post("/v1/deliveries/x/replay", headers=world.as_(who))).status_code == refused
