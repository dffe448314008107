"""The FastStream subscriber for HMPPS domain events, and their topic.

HMPPS messages are not in our envelope, so the subscriber reads the raw body with its own
decoder; a message that can never be processed goes to `<topic>.dlq` (DeadLetterMiddleware).
"""
from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from pathways_shared.broker.factory import subscriber_options
from pathways_shared.broker.topics import dead_letter_topic, ensure_topics

from .processing import ProbationEvents

GROUP = "referral-intake.hmpps"


async def raw_body(msg: Any) -> bytes:
    """FastStream decoder: the message body untouched, so the inbox keeps exactly what came."""
    return bytes(msg.body or b"")


def hmpps_topics(settings) -> list[str]:
    return [settings.hmpps_events_topic, dead_letter_topic(settings.hmpps_events_topic)]


def ensure_hmpps_topics(settings) -> list[str]:
    """Create the HMPPS events topic and its dead-letter twin where missing; returns those created."""
    return ensure_topics(settings.kafka_bootstrap_servers, hmpps_topics(settings), settings.topic_partitions)


def register_hmpps_subscriber(broker: KafkaBroker, settings, events: ProbationEvents):
    @broker.subscriber(settings.hmpps_events_topic, **subscriber_options(settings, GROUP, decoder=raw_body))
    async def on_hmpps_event(body: bytes) -> None:
        await events.receive(body)

    return on_hmpps_event
