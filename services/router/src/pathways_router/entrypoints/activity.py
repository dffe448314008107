"""The router's subscriber to providers' activity: closed provider referrals stop counting as open
(duplicates). Its own consumer group, so it never waits on the referral consumer's batches."""
from __future__ import annotations

from faststream.kafka import KafkaBroker

from pathways_shared.broker.factory import subscriber_options
from pathways_shared.events import DomainEvent

from ..service_layer.duplicates import GROUP, on_activity_event


def register_activity_consumer(broker: KafkaBroker, routed):
    """`routed`: the composed router (bootstrap.Router)."""
    @broker.subscriber(routed.topics.provider_activity, **subscriber_options(routed.settings, GROUP))
    async def on_provider_activity(event: DomainEvent) -> None:
        await on_activity_event(routed.engine, event)
    return on_provider_activity
