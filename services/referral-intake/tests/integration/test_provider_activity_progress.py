"""What providers report reaches the referrer's GET /v1/referrals/{id}: each provider referral's
lifecycle status and reason, first contact, and an overdue first contact, flagged for attention
when the family was never told or could not be reached."""
import uuid
from datetime import UTC, date, datetime

import pytest

from pathways_shared.contracts.payloads import (
    FirstContactRecorded, FirstContactReminderRaised, ProviderReferralDelivered, ProviderReferralStatusChanged,
)
from pathways_shared.events import EventType, new_event

from ..conftest import TOKENS

pytestmark = pytest.mark.integration
REFERRAL_ID = uuid.UUID("7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10")
POPS, TMUK = uuid.uuid4(), uuid.uuid4()
PROVIDER = {POPS: "pops", TMUK: "tmuk"}


def event(kind: EventType, payload) -> object:
    return new_event(kind, REFERRAL_ID, additional_information=payload.model_dump(mode="json"))


def delivered(prid, at=datetime(2026, 11, 2, 10, tzinfo=UTC)):
    return event(EventType.provider_referral_delivered, ProviderReferralDelivered(
        provider_referral_id=prid, referral_id=REFERRAL_ID, provider=PROVIDER[prid], webhook_id=f"{prid}_1",
        attempts=1, status_code=204, delivered_at=at))


def changed(prid, from_status, to_status, reason=None, at=datetime(2026, 11, 3, 10, tzinfo=UTC)):
    return event(EventType.provider_referral_status_changed, ProviderReferralStatusChanged(
        provider_referral_id=prid, referral_id=REFERRAL_ID, provider=PROVIDER[prid], from_status=from_status,
        to_status=to_status, reason=reason, changed_at=at, by=f"provider:{PROVIDER[prid]}"))


def contacted(prid, on=date(2026, 11, 4)):
    return event(EventType.first_contact_recorded, FirstContactRecorded(
        provider_referral_id=prid, referral_id=REFERRAL_ID, provider=PROVIDER[prid], contacted_on=on,
        method="phone", recorded_at=datetime.now(UTC)))


def reminded(prid):
    return event(EventType.first_contact_reminder_raised, FirstContactReminderRaised(
        provider_referral_id=prid, referral_id=REFERRAL_ID, provider=PROVIDER[prid], delivered_on=date(2026, 11, 2),
        due_on=date(2026, 11, 9), working_days=5))


async def lifecycle(client, headers=None) -> dict:
    response = await client.get(f"/v1/referrals/{REFERRAL_ID}", headers=headers)
    assert response.status_code == 200, response.text
    return {p["provider"]: p for p in response.json()["provider_referrals"]}


async def test_the_referrer_sees_each_provider_referrals_lifecycle(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    # Provider activity can overtake the delivery, which is on another topic.
    assert await intake.progress.on_event(changed(TMUK, "requested", "accepted")) is True
    assert await intake.progress.on_event(delivered(TMUK)) is True
    assert await intake.progress.on_event(delivered(POPS)) is True
    shown = await lifecycle(client, {"Authorization": f"Bearer {TOKENS['referrer']}"})
    assert (shown["tmuk"]["lifecycle_status"], shown["tmuk"]["delivery"]) == ("accepted", "delivered")
    assert (shown["pops"]["lifecycle_status"], shown["pops"]["status_reason"]) == ("requested", None)
    assert shown["pops"]["attention"] == [] and shown["pops"]["first_contact_on"] is None

    await intake.progress.on_event(contacted(TMUK))
    await intake.progress.on_event(changed(POPS, "requested", "rejected", "client_not_told"))
    shown = await lifecycle(client)
    assert shown["tmuk"]["first_contact_on"] == "2026-11-04"
    assert (shown["pops"]["lifecycle_status"], shown["pops"]["status_reason"]) == ("rejected", "client_not_told")
    assert shown["pops"]["attention"] == ["client_not_told"]


async def test_an_overdue_first_contact_shows_until_contact_is_made(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    await intake.progress.on_event(delivered(POPS))
    await intake.progress.on_event(reminded(POPS))
    shown = (await lifecycle(client))["pops"]
    assert shown["first_contact_due_on"] == "2026-11-09" and shown["attention"] == ["first_contact_overdue"]

    await intake.progress.on_event(contacted(POPS, date(2026, 11, 10)))
    assert (await lifecycle(client))["pops"]["attention"] == []


async def test_a_late_older_status_change_and_a_redelivery_change_nothing(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    later = changed(POPS, "on-hold", "failed", "no_contact", at=datetime(2026, 11, 20, tzinfo=UTC))
    assert await intake.progress.on_event(later) is True
    assert await intake.progress.on_event(later) is False
    await intake.progress.on_event(changed(POPS, "requested", "on-hold", "in_custody"))
    await intake.progress.on_event(delivered(POPS))
    shown = (await lifecycle(client))["pops"]
    assert (shown["lifecycle_status"], shown["status_reason"], shown["attention"]) == (
        "failed", "no_contact", ["no_contact"])
