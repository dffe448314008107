"""The first-contact reminder reaches the provider on its pushed channels, against a real SMTP server
and a real webhook receiver: a signed `provider_referral.first_contact_reminder_raised` message, or an
email with the provider referral id and the inbox link; never anything about the people. It is
retried, dead-lettered and replayed like a referral, and opens or announces nothing of its own."""
import json
import re
from datetime import UTC, date, datetime

import pytest

from pathways_notifier.adapters import repository as repo
from pathways_notifier.adapters.endpoints import load_endpoints
from pathways_notifier.bootstrap import bootstrap, create_schema
from pathways_notifier.domain.reminder import reminder_delivery_id
from pathways_shared.events import EventType

from ..rulebooks import rulebook_with
from .conftest import all_settled, close, drain, published, rows, settings_for
from .lifecycle_world import backdate
from .test_email_channel import personal_details, scan

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

INBOX = "https://pathways.example/"
OVERDUE = date(2026, 11, 10)   # delivered Monday 2 November: first contact was due by the 9th


@pytest.fixture
async def delivered(db_url, intake, webhook, mail, tmp_path, make_raised):
    """POPS by webhook, TMUK by email, MOMS by inbox only: one provider referral each, delivered on
    2 November; returns (notifier, {provider: provider referral id})."""
    made = []

    async def _make(**overrides):
        channels = {"pops": ["webhook", "inbox"], "tmuk": ["email", "inbox"], "moms": ["inbox"]}
        env = {f"PROVIDER_POPS_WEBHOOK_{k}": v for k, v in (("URL", webhook.url), ("SECRET", webhook.secret))}
        settings = settings_for(db_url, intake, rulebook_path=rulebook_with(tmp_path, **channels),
                                smtp_host=mail.host, smtp_port=mail.port, inbox_base_url=INBOX,
                                smtp_from="Family Pathways <pathways@notify.example>", **overrides)
        notifier = bootstrap(settings, endpoints=load_endpoints(None, environ=env),
                             mailboxes={"tmuk": "referrals@tmuk.example.org"})
        made.append(notifier)
        await create_schema(notifier.engine)
        ids = {}
        for provider, persons in (("pops", [("m1", "subject")]), ("tmuk", [("c1", "subject"), ("m1", "carer")]),
                                  ("moms", [("ix", "subject")])):
            event = make_raised(provider, persons)
            await notifier.service.on_provider_referral_event(event)
            ids[provider] = event.additionalInformation["provider_referral_id"]
        await drain(notifier, all_settled(notifier))
        await backdate(notifier, datetime(2026, 11, 2, 10, tzinfo=UTC))
        webhook.payloads.clear()
        mail.received.clear()
        notifier.reminders.today = lambda: OVERDUE
        return notifier, ids

    yield _make
    for notifier in made:
        await close(notifier)


def reminders_are(notifier, status):
    async def check():
        return all(r.status == status for r in (await rows(notifier)).values() if "reminder" in r.channel)
    return check


def no_personal_data(text: str) -> list[str]:
    return [d for d in personal_details() if re.search(rf"\b{re.escape(d)}\b", text, re.IGNORECASE)]


async def test_each_pushed_channel_carries_the_reminder_once(delivered, webhook, mail, intake):
    notifier, ids = await delivered()
    requests_before = intake.requests
    assert await notifier.reminders.run_once() == 3
    await drain(notifier, all_settled(notifier))
    assert await notifier.reminders.run_once() == 0

    hook_id = reminder_delivery_id(ids["pops"], "webhook")
    assert list(webhook.payloads) == [hook_id] and webhook.invalid == 0   # verified by docs/webhook_receiver.py
    payload = webhook.payloads[hook_id]
    assert payload["type"] == "provider_referral.first_contact_reminder_raised"
    assert payload["data"] == {"provider_referral_id": ids["pops"], "referral_id": payload["data"]["referral_id"],
                               "provider": "pops", "delivered_on": "2026-11-02", "first_contact_due_on": "2026-11-09",
                               "working_days": 5}
    assert no_personal_data(json.dumps(payload)) == []

    [received] = mail.received
    message = received["message"]
    assert received["to"] == ["referrals@tmuk.example.org"]
    assert ids["tmuk"] in message["Subject"] and "first contact overdue" in message["Subject"]
    assert f"https://pathways.example/inbox/referrals/{ids['tmuk']}" in message.get_content()
    assert "09 November 2026" in message.get_content()
    assert message["Message-ID"] == f"<{ids['tmuk']}.reminder@family-pathways>"
    assert scan(received) == []
    assert intake.requests == requests_before, "a reminder needs nothing from the household's document"

    reminders = {r.webhook_id: r for r in (await rows(notifier)).values() if "reminder" in r.channel}
    assert {(r.provider, r.channel, r.status) for r in reminders.values()} == {
        ("pops", "reminder-webhook", "delivered"), ("tmuk", "reminder-email", "delivered")}
    # Nothing claims a referral was delivered again (MOMS, inbox only, never announced one).
    assert len(await published(notifier, EventType.provider_referral_delivered)) == 2
    assert len(await published(notifier, EventType.first_contact_reminder_raised)) == 3


async def test_a_refused_reminder_is_retried_dead_lettered_and_replayed(delivered, webhook, mail):
    notifier, ids = await delivered(max_attempts=2)
    webhook.mode, mail.mode = "down", "reject"
    assert await notifier.reminders.run_once() == 3
    await drain(notifier, reminders_are(notifier, "dead"))

    dead = {r.webhook_id: r for r in (await rows(notifier)).values() if r.status == "dead"}
    assert {(r.channel, r.attempts, r.last_status_code) for r in dead.values()} == {
        ("reminder-webhook", 2, 503), ("reminder-email", 2, 554)}
    assert await published(notifier, EventType.provider_referral_delivery_failed) == []
    assert not webhook.payloads and not mail.received

    webhook.mode, mail.mode = "ok", "ok"
    async with notifier.engine.begin() as conn:
        assert sorted(await repo.replay(conn)) == sorted(dead)
    await drain(notifier, all_settled(notifier))
    assert list(webhook.payloads) == [reminder_delivery_id(ids["pops"], "webhook")] and len(mail.received) == 1
