"""Kafka plumbing: the embedded broker, topic names, and the FastStream broker factory."""
from .embedded import BrokerUnavailable, EmbeddedBroker
from .factory import CorrelationMiddleware, make_kafka_broker, subscriber_options
from .topics import Topics, dead_letter_topic, ensure_topics, topics_for

__all__ = [
    "BrokerUnavailable", "CorrelationMiddleware", "EmbeddedBroker", "Topics", "dead_letter_topic",
    "ensure_topics", "make_kafka_broker", "subscriber_options", "topics_for",
]
