"""One provider's journey through the inbox in a real browser (Debian's Chromium, headless,
driven by Playwright) on a phone-sized screen: sign in, open the referral, accept it, start work,
record first contact and an Outcomes Star reading, close it completed, and refer onward through
the real router, which first refuses (Shelter's window is not open yet) and, once it is, raises
the onward referral. A screenshot of every step is kept in var/test-artefacts/inbox-journey/."""
import uuid
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect
from sqlalchemy import select

from pathways_notifier.adapters.tables import outcome_star_readings, provider_referrals
from pathways_shared.contracts.lifecycle import STAR_FACTORS
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox
from pathways_shared.testing.fixtures import service_unavailable

from ..conftest import REPO
from ..inbox_world import build, serve

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = REPO / "var" / "test-artefacts" / "inbox-journey"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def served(sqlite_url, intake, tmp_path):
    if not CHROMIUM.exists():
        service_unavailable("Debian's Chromium is not at /usr/bin/chromium: `make install` installs it")
    world, stop = await build(sqlite_url, intake, tmp_path)
    url, stop_app = await serve(world.app, "notifier")
    yield world, url
    await stop_app()
    await stop()


@pytest.fixture
async def page():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = await browser.new_context(viewport=PHONE, device_scale_factor=1, java_script_enabled=False)
        yield await context.new_page()
        await browser.close()


class Steps:
    def __init__(self, page):
        self.page, self.shots = page, []

    async def shot(self, name: str) -> None:
        path = ARTEFACTS / f"{len(self.shots) + 1:02d}-{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)

    async def notice(self) -> str:
        return (await self.page.get_by_role("status").inner_text()).strip()

    async def change_status(self, to: str) -> None:
        await self.page.get_by_label("New status", exact=True).select_option(to)
        await self.page.get_by_role("button", name="Change status", exact=True).click()


async def test_accept_contact_star_close_and_refer_onward_in_a_browser(served, page):
    world, url = served
    prid = world.raised["moms"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob("*.png"):
        old.unlink()
    steps = Steps(page)

    await page.goto(f"{url}/inbox/referrals")
    assert page.url.startswith(f"{url}/inbox/sign-in")
    await steps.shot("sign-in")
    await page.get_by_label("Your service's token").fill("tok-moms")
    await page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{url}/inbox/referrals"
    await steps.shot("referrals")
    # Once seen failing in a full run and never again: counted as the page settles (a bare count
    # reads the page as it is that instant), and the failure says what the page showed.
    await overdue_badges(page, 1)

    await page.get_by_role("link", name=f"Referral {prid}").click()
    assert await page.get_by_role("heading", name="Sam Rigby (subject)").count() == 1
    await steps.shot("referral")

    await page.get_by_role("button", name="Accept referral").click()
    assert await steps.notice() == "Status changed to accepted."
    await steps.shot("accepted")
    await steps.change_status("in-progress")
    assert await steps.notice() == "Status changed to in-progress."

    await page.get_by_label("How contact was made").select_option("prison_visit")
    await page.get_by_role("button", name="Record first contact").click()
    assert await steps.notice() == "First contact recorded."
    await overdue_badges(page, 0)
    await steps.shot("first-contact")

    await page.get_by_label("Reading", exact=True).select_option("opening")
    for n, factor in enumerate(STAR_FACTORS):
        await page.get_by_label(factor.replace("_", " ").capitalize(), exact=True).fill(str(3 + n % 5))
    await page.get_by_role("button", name="Record reading").click()
    assert await steps.notice() == "Outcomes Star reading recorded."
    await steps.shot("star-reading")

    await steps.change_status("completed")
    assert await steps.notice() == "Status changed to completed."
    await steps.shot("completed")

    async def refer_to_shelter():
        await page.get_by_label("Refer to").select_option("shelter")
        await page.get_by_label("Sam Rigby (the person in the justice system)").check()
        await page.get_by_label("Why").select_option("housing")
        await page.get_by_role("button", name="Refer onward").click()

    await refer_to_shelter()
    refusal = await page.get_by_role("alert").inner_text()
    assert "The referral was not made" in refusal and "SHEL-6 not_yet" in refusal
    await steps.shot("onward-refused")
    world.router_clock.day = date(2026, 12, 10)  # Shelter's window (14 days before release) is open
    await refer_to_shelter()
    done = await steps.notice()
    assert done.startswith("Referred onward to Shelter: new provider referral ")
    await steps.shot("onward-referred")
    onward_id = uuid.UUID(done.rsplit(" ", 1)[1].rstrip("."))

    assert all(p.stat().st_size > 5_000 for p in steps.shots), "every screenshot holds a rendered page"
    assert len(steps.shots) == 9
    await what_was_recorded(world, uuid.UUID(prid), onward_id)


async def overdue_badges(page, expected: int) -> None:
    try:
        await expect(page.get_by_text("Overdue", exact=True)).to_have_count(expected)
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n-- the page showed:\n{await page.inner_text('body')}") from None


async def what_was_recorded(world, prid: uuid.UUID, onward_id: uuid.UUID) -> None:
    async with world.notifier.engine.connect() as conn:
        row = (await conn.execute(select(provider_referrals).where(
            provider_referrals.c.provider_referral_id == prid))).one()
        readings = (await conn.execute(select(outcome_star_readings))).all()
        events = [decode_event(r.payload) for r in await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))]
    assert (row.status, row.first_contact_method) == ("completed", "prison_visit")
    assert [(r.person_ref, r.reading) for r in readings] == [("ix", "opening")]
    changes = [e.additionalInformation["to_status"] for e in events
               if e.eventType == EventType.provider_referral_status_changed]
    assert changes == ["accepted", "in-progress", "completed"]
    assert all(e.additionalInformation.get("by", "provider:moms") == "provider:moms" for e in events)
    async with world.router.engine.connect() as conn:
        raised = [decode_event(r.payload).additionalInformation for r in await conn.execute(
            select(outbox.c.payload).where(outbox.c.event_type == str(EventType.provider_referral_raised)))]
    [onward] = [r for r in raised if r["provider_referral_id"] == str(onward_id)]
    assert (onward["provider"], onward["source"], onward["onward_reason"], onward["parent_provider_referral_id"]) == (
        "shelter", "provider:moms", "housing", str(prid))
    assert [p["person_ref"] for p in onward["persons"]] == ["ix"]
