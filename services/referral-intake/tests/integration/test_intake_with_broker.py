"""The intake process with the real broker: the outbox relay publishes ReferralSubmitted, and
routing, delivery and provider activity events published by others reach GET /v1/referrals/{id}
through the FastStream subscriber."""
import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest

from pathways_shared.contracts.payloads import (
    ProviderReferralDelivered, ProviderReferralStatusChanged, ReferralRouted, ReferralSubmitted,
)
from pathways_shared.events import EventType, decode_event, new_event
from pathways_shared.testing.fixtures import publish_events, read_topic

from ..conftest import until_status

# The session loop: the one the on_broker fixture started the consumers on.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_submitted_referrals_are_published_and_their_progress_comes_back(on_broker, referral, identifying):
    client, topics, bootstrap = on_broker
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    [record] = await asyncio.to_thread(read_topic, bootstrap, topics.referrals, expected=1)
    event = decode_event(record.value)
    assert event.eventType == EventType.referral_submitted and record.key == event.partition_key
    submitted = ReferralSubmitted.model_validate(event.additionalInformation)
    referral_id = submitted.referral_id
    assert str(referral_id) == referral["referral_id"] and submitted.revision == 1
    assert all(clear.encode() not in record.value for clear in identifying)

    provider_referral_id = uuid.uuid4()
    decisions = [{"referral_id": str(referral_id), "person_ref": "ix", "provider": "moms",
                  "decision": "eligible", "eligible_from": None, "clauses": [], "rulebook_version": "v1"}]
    publish_events(bootstrap, topics.decisions, [new_event(
        EventType.referral_routed, referral_id, additional_information=ReferralRouted(
            referral_id=referral_id, revision=1, as_of=date(2026, 11, 2), rulebook_version="v1",
            decisions=decisions, provider_referral_ids=[provider_referral_id]).model_dump(mode="json"))])
    path = f"/v1/referrals/{referral_id}"
    status = await until_status(client, path, "routed")
    assert status["decisions"] == decisions
    assert status["provider_referrals"] == [{
        "provider_referral_id": str(provider_referral_id), "provider": None, "delivery": "pending",
        "attempts": 0, "lifecycle_status": None, "status_reason": None, "first_contact_on": None,
        "first_contact_due_on": None, "attention": []}]

    publish_events(bootstrap, topics.deliveries, [new_event(
        EventType.provider_referral_delivered, referral_id, additional_information=ProviderReferralDelivered(
            provider_referral_id=provider_referral_id, referral_id=referral_id, provider="moms",
            webhook_id="w1", attempts=1, status_code=202, delivered_at=datetime.now(UTC),
        ).model_dump(mode="json"))])
    status = await until_status(client, path, "delivered")
    assert status["provider_referrals"][0]["provider"] == "moms"
    assert status["provider_referrals"][0]["lifecycle_status"] == "requested"

    publish_events(bootstrap, topics.provider_activity, [new_event(
        EventType.provider_referral_status_changed, referral_id,
        additional_information=ProviderReferralStatusChanged(
            provider_referral_id=provider_referral_id, referral_id=referral_id, provider="moms",
            from_status="requested", to_status="rejected", reason="no_contact",
            changed_at=datetime.now(UTC), by="provider:moms").model_dump(mode="json"))])
    deadline = asyncio.get_running_loop().time() + 30
    while (shown := (await client.get(path)).json()["provider_referrals"][0])["lifecycle_status"] != "rejected":
        assert asyncio.get_running_loop().time() < deadline, "the status change never arrived"
        await asyncio.sleep(0.1)
    assert shown["attention"] == ["no_contact"]
    assert (await client.get("/readyz")).json() == {"ready": True, "checks": {"database": True, "broker": True}}
