"""The progress projection's handlers against real databases: routing, raised provider referrals
and deliveries reach GET /v1/referrals/{id}, once each, whatever order the topics deliver them."""
import uuid
from datetime import UTC, date, datetime

import pytest

from pathways_shared.contracts.payloads import (
    ProviderReferralDelivered, ProviderReferralDeliveryFailed, ProviderReferralRaised, ReferralRouted,
)
from pathways_shared.events import EventType, new_event

pytestmark = pytest.mark.integration
REFERRAL_ID = uuid.UUID("7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10")
MOMS, TMUK = uuid.uuid4(), uuid.uuid4()


def decision(person_ref, provider, outcome):
    return {"referral_id": str(REFERRAL_ID), "person_ref": person_ref, "provider": provider, "decision": outcome,
            "eligible_from": None, "clauses": [], "rulebook_version": "policy-v1"}


def routed(revision=1, ids=(MOMS, TMUK), decisions=None):
    decisions = decisions or [decision("ix", "moms", "eligible"), decision("c1", "tmuk", "eligible")]
    return new_event(EventType.referral_routed, REFERRAL_ID, additional_information=ReferralRouted(
        referral_id=REFERRAL_ID, revision=revision, as_of=date(2026, 11, 2), rulebook_version="policy-v1",
        decisions=decisions, provider_referral_ids=list(ids)).model_dump(mode="json"))


def raised(provider_referral_id, provider):
    return new_event(EventType.provider_referral_raised, REFERRAL_ID, additional_information=ProviderReferralRaised(
        provider_referral_id=provider_referral_id, referral_id=REFERRAL_ID, provider=provider, revision=1,
        persons=[], capacity="open", waitlisted=False, urgent=False, rulebook_version="policy-v1",
    ).model_dump(mode="json"))


def delivered(provider_referral_id, provider, attempts=1):
    return new_event(EventType.provider_referral_delivered, REFERRAL_ID,
                     additional_information=ProviderReferralDelivered(
                         provider_referral_id=provider_referral_id, referral_id=REFERRAL_ID, provider=provider,
                         webhook_id="w1", attempts=attempts, status_code=202, delivered_at=datetime.now(UTC),
                     ).model_dump(mode="json"))


def failed(provider_referral_id, provider, attempts, dead_lettered):
    return new_event(EventType.provider_referral_delivery_failed, REFERRAL_ID,
                     additional_information=ProviderReferralDeliveryFailed(
                         provider_referral_id=provider_referral_id, referral_id=REFERRAL_ID, provider=provider,
                         webhook_id="w1", attempts=attempts, last_error="HTTP 503", dead_lettered=dead_lettered,
                     ).model_dump(mode="json"))


async def status_of(client) -> dict:
    response = await client.get(f"/v1/referrals/{REFERRAL_ID}")
    assert response.status_code == 200
    return response.json()


def deliveries(status) -> dict:
    return {p["provider"]: (p["delivery"], p["attempts"]) for p in status["provider_referrals"]}


async def test_a_routed_referral_shows_its_decisions_then_its_deliveries(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    # Deliveries may be seen before the routing that raised them: the rows converge either way.
    assert await intake.progress.on_event(delivered(MOMS, "moms")) is True
    assert (await status_of(client))["status"] == "submitted"
    assert await intake.progress.on_event(routed()) is True
    status = await status_of(client)
    assert status["status"] == "routed" and status["routed_revision"] == 1
    assert [(d["person_ref"], d["provider"]) for d in status["decisions"]] == [("ix", "moms"), ("c1", "tmuk")]
    assert {p["provider_referral_id"] for p in status["provider_referrals"]} == {str(MOMS), str(TMUK)}
    assert deliveries(status)["moms"] == ("delivered", 1)
    await intake.progress.on_event(raised(TMUK, "tmuk"))
    assert deliveries(await status_of(client))["tmuk"] == ("pending", 0)
    await intake.progress.on_event(failed(TMUK, "tmuk", attempts=1, dead_lettered=False))
    assert (await status_of(client))["status"] == "routed", "a retry still pending is not a failure"
    await intake.progress.on_event(delivered(TMUK, "tmuk", attempts=2))
    status = await status_of(client)
    assert status["status"] == "delivered" and deliveries(status) == {"moms": ("delivered", 1), "tmuk": ("delivered", 2)}


async def test_a_dead_lettered_delivery_fails_the_referral(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    await intake.progress.on_event(routed())
    await intake.progress.on_event(delivered(MOMS, "moms"))
    await intake.progress.on_event(failed(TMUK, "tmuk", attempts=6, dead_lettered=True))
    status = await status_of(client)
    assert status["status"] == "delivery_failed" and deliveries(status)["tmuk"] == ("failed", 6)


async def test_redeliveries_and_older_revisions_change_nothing(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    second = routed(revision=2, ids=[], decisions=[decision("ix", "pops", "eligible")])
    assert await intake.progress.on_event(second) is True
    assert await intake.progress.on_event(second) is False
    assert await intake.progress.on_event(routed(revision=1)) is True
    status = await status_of(client)
    assert status["routed_revision"] == 2 and [d["provider"] for d in status["decisions"]] == ["pops"]
    # A re-route lists only newly raised referrals; those raised before are kept.
    assert {p["provider_referral_id"] for p in status["provider_referrals"]} == {str(MOMS), str(TMUK)}


async def test_events_that_are_not_about_progress_are_left_alone(api):
    _, intake = api
    assert await intake.progress.on_event(new_event(EventType.referral_submitted, REFERRAL_ID)) is False
