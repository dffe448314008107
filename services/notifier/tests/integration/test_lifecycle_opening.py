"""A provider referral enters `requested` when it is delivered: once, whatever the channel, and a
later revision delivered keeps its status while refreshing who it covers."""
import uuid

import pytest
from sqlalchemy import select

from pathways_notifier.adapters.tables import provider_referral_history, provider_referrals
from pathways_notifier.service_layer.handlers import NotifierService

from .conftest import all_settled, drain

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def lifecycle_rows(notifier) -> tuple[list, list]:
    async with notifier.engine.connect() as conn:
        return ((await conn.execute(select(provider_referrals))).all(),
                (await conn.execute(select(provider_referral_history))).all())


async def test_opened_on_delivery_once_across_revisions(start, make_raised):
    notifier = await start()
    prid = uuid.uuid4()
    first = make_raised("pops", [("m1", "subject")], provider_referral_id=prid)
    await notifier.service.on_provider_referral_event(first)
    assert await lifecycle_rows(notifier) == ([], [])  # raised, not yet delivered
    await drain(notifier, all_settled(notifier))
    await notifier.referrals.change_status("pops", prid, "accepted", None, "provider:pops")

    second = make_raised("pops", [("m1", "subject"), ("c1", "subject")], provider_referral_id=prid, revision=2)
    await notifier.service.on_provider_referral_event(second)
    await drain(notifier, all_settled(notifier))
    [row], history = await lifecycle_rows(notifier)
    assert (row.status, row.revision) == ("accepted", 2)
    assert [p["person_ref"] for p in row.persons] == ["m1", "c1"]
    assert [(h.from_status, h.to_status) for h in history] == [(None, "requested"), ("requested", "accepted")]


async def test_a_provider_reached_only_through_the_inbox_has_it_on_raising(start, make_raised):
    notifier = await start()
    inbox_only = NotifierService(notifier.engine, {"pops": ["inbox"]})
    event = make_raised("pops", [("m1", "subject")])
    await inbox_only.on_provider_referral_event(event)
    await inbox_only.on_provider_referral_event(event)  # a redelivered event changes nothing
    [row], [entered] = await lifecycle_rows(notifier)
    assert (row.status, row.provider, entered.to_status) == ("requested", "pops", "requested")
    assert row.persons == [{"person_ref": "m1", "role": "subject", "pseudonym": "psn-m1"}]
    view = await notifier.referrals.get("pops", row.provider_referral_id, details=False)
    assert view.status.value == "requested" and view.allowed_next == ["accepted", "cancelled", "on-hold", "rejected"]
