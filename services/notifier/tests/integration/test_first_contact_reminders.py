"""Timeliness: no first contact after the configured working days raises one reminder per provider
referral and puts it on the commissioner's overdue list, overdue first in the provider's list."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from pathways_notifier.adapters.tables import provider_referrals
from pathways_notifier.domain.working_days import Timeliness
from pathways_shared.events import EventType

from .conftest import published
from .lifecycle_world import backdate, world  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

DUE = date(2026, 11, 9)     # five working days after Monday 2 November


async def test_a_reminder_is_raised_once_after_the_due_day(world):
    reminders = world.notifier.reminders
    world.on(DUE)
    assert await reminders.run_once() == 0
    assert (await world.get("/v1/overdue", "commissioner")).json() == []

    world.on(date(2026, 11, 10))
    assert await reminders.run_once() == 2
    assert await reminders.run_once() == 0
    world.on(date(2026, 11, 20))
    assert await reminders.run_once() == 0       # once per provider referral, however long it waits
    raised = await published(world.notifier, EventType.first_contact_reminder_raised)
    assert sorted(e.additionalInformation["provider"] for e, _ in raised) == ["pops", "tmuk"]
    event, topic = raised[0]
    assert topic == "t.provider-activity"
    assert {k: event.additionalInformation[k] for k in ("delivered_on", "due_on", "working_days")} == {
        "delivered_on": "2026-11-02", "due_on": "2026-11-09", "working_days": 5}


async def test_first_contact_or_a_hold_stops_the_clock(world):
    await world.post(f"/v1/provider-referrals/{world.pops}/first-contact", "pops",
                     {"contacted_on": "2026-11-03", "method": "in_person"})
    await world.post(f"/v1/provider-referrals/{world.tmuk}/status", "tmuk",
                     {"status": "on-hold", "reason": "in_custody"})
    world.on(date(2026, 11, 30))

    assert await world.notifier.reminders.run_once() == 0
    assert (await world.get("/v1/overdue", "commissioner")).json() == []
    await world.post(f"/v1/provider-referrals/{world.tmuk}/status", "tmuk", {"status": "requested"})
    assert await world.notifier.reminders.run_once() == 1
    [only] = (await world.get("/v1/overdue", "commissioner")).json()
    assert (only["provider_referral_id"], only["overdue"]) == (world.tmuk, True)
    assert "details" not in only  # the commissioner's list carries no household details


async def test_the_overdue_list_and_the_provider_list_order(world):
    # POPS's referral is older but contacted; TMUK's, newer, is overdue: it comes first.
    await world.post(f"/v1/provider-referrals/{world.pops}/first-contact", "pops",
                     {"contacted_on": "2026-11-03", "method": "phone"})
    async with world.notifier.engine.begin() as conn:
        await conn.execute(update(provider_referrals).where(provider_referrals.c.provider == "pops")
                           .values(delivered_at=datetime(2026, 10, 26, 10, tzinfo=UTC)))
    world.on(date(2026, 11, 12))

    listed = (await world.get("/v1/provider-referrals", "admin")).json()
    assert [(r["provider"], r["overdue"]) for r in listed] == [("tmuk", True), ("pops", False)]
    assert [r["provider"] for r in (await world.get("/v1/overdue", "admin")).json()] == ["tmuk"]
    assert (await world.get("/v1/overdue", "commissioner", provider="pops")).json() == []
    assert [r["provider"] for r in (await world.get("/v1/overdue", "commissioner", provider="tmuk")).json()] == ["tmuk"]


async def test_the_working_days_are_configurable(world):
    await backdate(world.notifier, datetime(2026, 12, 23, 12, tzinfo=UTC))
    world.notifier.referrals.timeliness = world.notifier.reminders.timeliness = Timeliness(2)
    world.on(date(2026, 12, 29))   # 24th and 29th are the two working days: due the 29th
    assert await world.notifier.reminders.run_once() == 0
    world.on(date(2026, 12, 30))
    assert await world.notifier.reminders.run_once() == 2
    [view, _] = (await world.get("/v1/overdue", "admin")).json()
    assert view["first_contact_due_on"] == "2026-12-29"
