"""A bad query value, or a query parameter given more than once, is refused in the provider API's
problem shape, naming the parameter (never answered with the last value given)."""
import pytest

from . import lifecycle_world

world = lifecycle_world.world  # the fixture, as pytest finds it here
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_query_parameter_given_twice_is_refused_naming_it(world):
    wrong = await world.get("/v1/deliveries", "admin", limit="abc")
    assert wrong.status_code == 422 and wrong.json()["problems"][0]["path"] == "query.limit"
    twice = await world.api.get("/v1/overdue?provider=pops&provider=tmuk", headers=world.as_("commissioner"))
    assert twice.status_code == 422
    assert twice.json() == {"problems": [{"path": "query.provider", "type": "repeated_parameter",
                                          "message": "given 2 times; give it once"}]}
    listed = await world.api.get("/v1/provider-referrals?status=requested&st%61tus=accepted",
                                 headers=world.as_("pops"))
    assert listed.status_code == 422 and listed.json()["problems"][0]["path"] == "query.status"
    unknown = await world.get("/v1/provider-referrals", "pops", status="closed")
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["path"] == "query.status"
    assert (await world.get("/v1/overdue", "commissioner", provider="pops")).status_code == 200
