"""The intake's FastStream subscriber: routing outcomes and deliveries feed the progress
projection behind GET /v1/referrals/{id}. One consumer (group "referral-intake") for the
four topics, so a start costs one group join."""
from __future__ import annotations

from faststream.kafka import KafkaBroker

from pathways_shared.broker.factory import subscriber_options
from pathways_shared.events import DomainEvent

from ..bootstrap import Intake
from ..hmpps.subscriber import register_hmpps_subscriber
from ..service_layer.progress import GROUP


def register_consumers(broker: KafkaBroker, intake: Intake):
    topics = intake.topics

    # provider_referrals is read too: it is where a raised referral's provider is named;
    # provider_activity, for what each provider then reports (status, first contact, reminders).
    @broker.subscriber(topics.decisions, topics.provider_referrals, topics.deliveries, topics.provider_activity,
                       **subscriber_options(intake.settings, GROUP))
    async def on_progress_event(event: DomainEvent) -> None:
        await intake.progress.on_event(event)

    # HMPPS domain events arrive raw (not in our envelope): their own subscriber and group.
    register_hmpps_subscriber(broker, intake.settings, intake.hmpps.events)
    return on_progress_event
