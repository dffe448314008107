"""The progress consumer takes events in batches, one transaction each: an event that can never
be handled is dead-lettered and the others in its batch are still recorded."""
import asyncio
import uuid
from datetime import date

import pytest

from pathways_shared.broker.topics import dead_letter_topic
from pathways_shared.contracts.payloads import ReferralRouted
from pathways_shared.events import EventType, decode_event, new_event
from pathways_shared.testing.fixtures import publish_events, read_topic

from ..conftest import until_status

# The session loop: the one the on_broker fixture started the consumers on.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_malformed_event_is_dead_lettered_and_the_rest_of_its_batch_recorded(on_broker, referral):
    client, topics, bootstrap = on_broker
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    referral_id = uuid.UUID(referral["referral_id"])
    malformed = new_event(EventType.referral_routed, referral_id, additional_information={"revision": "x"})
    routed = new_event(EventType.referral_routed, referral_id, additional_information=ReferralRouted(
        referral_id=referral_id, revision=1, as_of=date(2026, 11, 2), rulebook_version="v1",
        decisions=[], provider_referral_ids=[]).model_dump(mode="json"))
    publish_events(bootstrap, topics.decisions, [malformed, routed])
    await until_status(client, f"/v1/referrals/{referral_id}", "routed")
    [dead] = await asyncio.to_thread(read_topic, bootstrap, dead_letter_topic(topics.decisions), expected=1)
    assert decode_event(dead.value).eventId == malformed.eventId
