"""No provider referral is delivered while its consent gate is closed (../shared/domain/POLICY.md
§5): consent withdrawn between raising and delivering (PATCH consent → refused or pending at the
intake) cancels the delivery, against a real webhook receiver and a real SMTP server."""
import copy
import uuid

import pytest
from sqlalchemy import select

from pathways_notifier.adapters.tables import provider_referral_history, provider_referrals
from pathways_notifier.domain.delivery import delivery_id, webhook_id
from pathways_shared.events import EventType

from ..conftest import HOUSEHOLD
from ..mailserver import MailServer
from ..rulebooks import rulebook_with
from .conftest import all_settled, drain, published, rows

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
RID = HOUSEHOLD["referral_id"]


def withdraw(intake, person_ref: str, consent: str) -> None:
    """The intake's document after a consent change (what the notifier fetches at delivery)."""
    doc = copy.deepcopy(intake.documents[RID])
    people = [doc["index_person"], *doc["family_members"]]
    person = next(p for p in people if p["person_ref"] == person_ref)
    person["consent_to_contact_family" if person is doc["index_person"] else "consent_to_contact"] = consent
    intake.documents[RID] = doc


async def lifecycle_of(notifier, prid) -> tuple:
    prid = uuid.UUID(prid)
    async with notifier.engine.connect() as conn:
        row = (await conn.execute(select(provider_referrals.c.status, provider_referrals.c.reason)
                                  .where(provider_referrals.c.provider_referral_id == prid))).one_or_none()
        history = (await conn.execute(select(provider_referral_history.c.to_status)
                                      .where(provider_referral_history.c.provider_referral_id == prid)
                                      .order_by(provider_referral_history.c.id))).scalars().all()
    return (tuple(row) if row else None), history


@pytest.mark.parametrize("person_ref, consent, provider, persons, closed", [
    ("m1", "refused", "pops", [("m1", "subject")], "POPS-4 fail for m1"),
    ("ix", "refused", "pops", [("m1", "subject")], "POPS-4 fail for m1"),     # the index declined family contact
    ("ix", "pending", "pops", [("m1", "subject")], "POPS-4 held for m1"),
    ("c1", "pending", "tmuk", [("c1", "subject"), ("m1", "carer")], "TMUK-4 held for c1"),  # the carer's consent
])
async def test_consent_withdrawn_before_delivery_cancels_it_and_nothing_arrives(
        start, intake, webhook, make_raised, person_ref, consent, provider, persons, closed):
    notifier = await start()
    event = make_raised(provider, persons)
    assert await notifier.service.on_provider_referral_event(event) is True
    withdraw(intake, person_ref, consent)
    await drain(notifier, all_settled(notifier, "cancelled"))

    assert not webhook.requests and not webhook.acknowledged, "nothing reached the provider"
    prid = event.additionalInformation["provider_referral_id"]
    [row] = (await rows(notifier)).values()
    assert row.webhook_id == webhook_id(prid, 1) and row.delivered_at is None
    assert row.last_error == f"consent gate closed: {closed}"
    [(changed, topic)] = await published(notifier, EventType.provider_referral_status_changed)
    info = changed.additionalInformation
    assert topic == "t.provider-activity"
    assert (info["from_status"], info["to_status"], info["reason"], info["by"]) == (
        None, "cancelled", "consent_withdrawn", "system")
    assert await published(notifier, EventType.provider_referral_delivered) == []
    assert await lifecycle_of(notifier, prid) == (None, []), "never delivered: not in the provider's list"
    for _ in range(3):  # and it stays cancelled
        await notifier.worker.run_once()
    assert not webhook.requests and intake.requests == 1


async def test_a_delivery_failing_first_is_not_retried_once_consent_is_withdrawn(start, intake, webhook, make_raised):
    notifier = await start()
    webhook.mode = "down"
    event = make_raised("pops", [("m1", "subject")])
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, lambda: _attempted(webhook))
    withdraw(intake, "m1", "refused")
    webhook.mode = "ok"
    await drain(notifier, all_settled(notifier, "cancelled"))
    assert not webhook.acknowledged and sum(webhook.requests.values()) == 1


async def _attempted(webhook):
    return sum(webhook.requests.values()) >= 1


async def test_consent_still_given_is_delivered_as_before(start, intake, webhook, make_raised):
    notifier = await start()
    withdraw(intake, "ix", "refused")  # the index person's consent does not gate TMUK: the carer's does
    event = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
    await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier))
    assert sum(webhook.acknowledged.values()) == 1
    assert await published(notifier, EventType.provider_referral_status_changed) == []


async def test_a_later_revision_withheld_cancels_the_delivered_provider_referral(start, intake, webhook, make_raised):
    notifier = await start()
    first = make_raised("pops", [("m1", "subject")])
    prid = first.additionalInformation["provider_referral_id"]
    await notifier.service.on_provider_referral_event(first)
    await drain(notifier, all_settled(notifier))
    assert await lifecycle_of(notifier, prid) == (("requested", None), ["requested"])

    withdraw(intake, "ix", "refused")
    again = make_raised("pops", [("m1", "subject"), ("ix", "subject")], revision=2, provider_referral_id=prid)
    await notifier.service.on_provider_referral_event(again)
    await drain(notifier, lambda: _settled(notifier, webhook_id(prid, 2)))
    assert dict(webhook.acknowledged) == {webhook_id(prid, 1): 1}, "revision 2 never arrived"
    assert await lifecycle_of(notifier, prid) == (("cancelled", "consent_withdrawn"), ["requested", "cancelled"])
    [(changed, _)] = await published(notifier, EventType.provider_referral_status_changed)
    assert (changed.additionalInformation["from_status"], changed.additionalInformation["to_status"]) == (
        "requested", "cancelled")


async def _settled(notifier, wid):
    return (await rows(notifier))[wid].status != "pending"


async def test_no_email_goes_out_once_consent_is_withdrawn(db_url, intake, webhook, make_raised, tmp_path):
    from pathways_notifier.bootstrap import bootstrap, create_schema

    from .conftest import close, settings_for

    mail = MailServer()
    notifier = bootstrap(settings_for(db_url, intake, rulebook_path=rulebook_with(tmp_path, tmuk=["email", "inbox"]),
                                      smtp_host=mail.host, smtp_port=mail.port),
                         endpoints={}, mailboxes={"tmuk": "referrals@tmuk.example.org"})
    try:
        await create_schema(notifier.engine)
        event = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
        await notifier.service.on_provider_referral_event(event)
        withdraw(intake, "c1", "refused")
        await drain(notifier, all_settled(notifier, "cancelled"))
        assert mail.received == []
        [row] = (await rows(notifier)).values()
        prid = event.additionalInformation["provider_referral_id"]
        assert row.webhook_id == delivery_id(prid, 1, "email") and row.last_error.endswith("TMUK-4 fail for c1")
    finally:
        await close(notifier)
        mail.stop()
