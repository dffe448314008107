"""The email channel against a real SMTP server on loopback (aiosmtpd): the message carries the
provider referral id and a link to the inbox, never anything about the people; failures are
retried and dead-lettered like webhooks; an inbox-only provider gets no push at all."""
import re

import pytest

from pathways_notifier.adapters.endpoints import load_endpoints
from pathways_notifier.bootstrap import bootstrap, create_schema
from pathways_notifier.domain.delivery import delivery_id, webhook_id
from pathways_shared.events import EventType

from ..conftest import HOUSEHOLD
from ..rulebooks import rulebook_with
from .conftest import all_settled, close, drain, published, rows, settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

INBOX = "https://pathways.example/"
TMUK_MAILBOX = "referrals@tmuk.example.org"


def personal_details() -> list[str]:
    """Every name, date of birth, phone number and identifier in the sample household, in the
    forms they could be written in."""
    people = [HOUSEHOLD["index_person"], *HOUSEHOLD["family_members"]]
    found = []
    for person in people:
        found += [person["given_name"], person["family_name"]]
        year, month, day = person["date_of_birth"].split("-")
        found += [person["date_of_birth"], f"{day}/{month}/{year}", f"{day}.{month}.{year}"]
        found += [i["value"] for i in person.get("identifiers", [])]
        if phone := person.get("contact", {}).get("phone"):
            found += [phone, phone.replace(" ", "")]
    return found


def scan(mail: dict) -> list[str]:
    text = mail["raw"].decode("utf-8", "replace") + mail["message"]["Subject"]
    text += "".join(part.get_content() for part in mail["message"].walk() if part.get_content_maintype() == "text")
    return [d for d in personal_details() if re.search(rf"\b{re.escape(d)}\b", text, re.IGNORECASE)]


@pytest.fixture
async def notifier_with(db_url, intake, webhook, mail, tmp_path):
    made = []

    async def _make(channels, smtp=True, **overrides):
        env = {f"PROVIDER_{p.upper()}_WEBHOOK_{k}": v for p in channels
               for k, v in (("URL", webhook.url), ("SECRET", webhook.secret))}
        settings = settings_for(db_url, intake, rulebook_path=rulebook_with(tmp_path, **channels),
                                smtp_host=mail.host if smtp else "", smtp_port=mail.port,
                                smtp_from="Family Pathways <pathways@notify.example>", inbox_base_url=INBOX,
                                **overrides)
        made.append(bootstrap(settings, endpoints=load_endpoints(None, environ=env),
                              mailboxes={provider: f"referrals@{provider}.example.org" for provider in channels}))
        await create_schema(made[-1].engine)
        return made[-1]

    yield _make
    for notifier in made:
        await close(notifier)


async def test_an_email_provider_gets_a_link_and_no_personal_data(notifier_with, mail, intake, webhook, make_raised):
    notifier = await notifier_with({"tmuk": ["email", "inbox"]})
    event = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
    assert await notifier.service.on_provider_referral_event(event) is True
    await drain(notifier, all_settled(notifier))

    prid = event.additionalInformation["provider_referral_id"]
    [received] = mail.received
    assert received["to"] == [TMUK_MAILBOX] and received["from"] == "pathways@notify.example"
    message = received["message"]
    assert prid in message["Subject"]
    assert f"https://pathways.example/inbox/referrals/{prid}" in message.get_content()
    assert message["Message-ID"] == f"<{prid}_1_email@family-pathways>"
    assert scan(received) == []
    assert intake.requests == 1, "the household is fetched only to ask the consent gate, never sent"
    assert not webhook.requests

    wid = delivery_id(prid, 1, "email")
    [row] = (await rows(notifier)).values()
    assert (row.webhook_id, row.channel, row.status, row.attempts, row.last_status_code) == (
        wid, "email", "delivered", 1, 250)
    [(delivered, _)] = await published(notifier, EventType.provider_referral_delivered)
    assert (delivered.additionalInformation["webhook_id"], delivered.additionalInformation["status_code"]) == (wid, 250)


async def test_the_scan_finds_personal_data_when_it_is_there(mail):
    """The check above can fail: the same scan over a message naming the family finds them."""
    import smtplib

    with smtplib.SMTP(mail.host, mail.port) as client:
        client.sendmail("a@notify.example", [TMUK_MAILBOX],
                        "Subject: referral for Lily Rigby\r\n\r\nborn 20/11/2019, carer phone 07700900123\r\n")
    [received] = mail.received
    assert set(scan(received)) == {"Lily", "Rigby", "20/11/2019", "07700900123"}


async def test_webhook_and_email_both_reach_a_provider_with_both(notifier_with, mail, webhook, make_raised):
    notifier = await notifier_with({"pops": ["webhook", "email"]})
    event = make_raised("pops", [("m1", "subject")])
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier))

    prid = event.additionalInformation["provider_referral_id"]
    assert {(r.channel, r.status) for r in (await rows(notifier)).values()} == {
        ("webhook", "delivered"), ("email", "delivered")}
    assert dict(webhook.acknowledged) == {webhook_id(prid, 1): 1}
    assert webhook.payloads[webhook_id(prid, 1)]["data"]["persons"][0]["given_name"] == "Ann"
    assert [m["to"] for m in mail.received] == [["referrals@pops.example.org"]] and scan(mail.received[0]) == []


async def test_an_inbox_only_provider_needs_no_push(notifier_with, mail, webhook, intake, make_raised):
    notifier = await notifier_with({"moms": ["inbox"]})
    assert await notifier.service.on_provider_referral_event(make_raised("moms", [("ix", "subject")])) is False
    assert await notifier.worker.run_once() == 0
    assert await rows(notifier) == {} and not mail.received and not webhook.requests and intake.requests == 0


async def test_a_busy_mail_server_is_retried_until_it_takes_the_message_once(notifier_with, mail, make_raised):
    notifier = await notifier_with({"tmuk": ["email"]})
    mail.mode, mail.busy_for = "busy", 2
    event = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")], revision=2)
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier))

    assert mail.answered == ["451 4.3.0 try again later"] * 2 + ["250 OK"]
    [received] = mail.received
    assert "updated" in received["message"]["Subject"] and scan(received) == []
    [row] = (await rows(notifier)).values()
    assert (row.attempts, row.status) == (3, "delivered")


async def test_a_refusing_mail_server_dead_letters_after_max_attempts(notifier_with, mail, make_raised):
    notifier = await notifier_with({"tmuk": ["email"]}, max_attempts=3)
    mail.mode = "reject"
    event = make_raised("tmuk", [("c1", "subject")])
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier, "dead"))

    [row] = (await rows(notifier)).values()
    assert (row.attempts, row.last_error, row.last_status_code) == (3, "SMTP 554", 554)
    [(failed, _)] = await published(notifier, EventType.provider_referral_delivery_failed)
    assert failed.additionalInformation["webhook_id"] == delivery_id(
        event.additionalInformation["provider_referral_id"], 1, "email")
    assert failed.additionalInformation["dead_lettered"] is True and not mail.received


async def test_without_an_smtp_server_email_deliveries_wait(notifier_with, mail, make_raised):
    notifier = await notifier_with({"tmuk": ["email"]}, smtp=False)
    await notifier.service.on_provider_referral_event(make_raised("tmuk", [("c1", "subject")]))
    await notifier.worker.run_once()
    [row] = (await rows(notifier)).values()
    assert (row.status, row.attempts, row.last_error) == (
        "pending", 0, "no email address or SMTP server configured")
    assert not mail.answered
