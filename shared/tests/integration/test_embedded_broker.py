"""The embedded broker starts on a free port, answers Kafka requests, and stops cleanly."""
from __future__ import annotations

import socket

import pytest
from kafka import KafkaAdminClient

from pathways_shared.broker import BrokerUnavailable, EmbeddedBroker, Topics, ensure_topics
from pathways_shared.testing.fixtures import service_unavailable

pytestmark = pytest.mark.integration


def test_topics_are_created_once_with_their_dead_letter_twins(kafka_bootstrap):
    topics = Topics("embedded-test.")
    assert sorted(ensure_topics(kafka_bootstrap, topics.all(), partitions=2)) == sorted(topics.all())
    assert ensure_topics(kafka_bootstrap, topics.all(), partitions=2) == []  # repeating is harmless
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        (described,) = admin.describe_topics([topics.referrals])
        assert len(described["partitions"]) == 2
    finally:
        admin.close()


def test_the_broker_process_is_gone_after_the_block():
    broker = EmbeddedBroker()
    try:
        broker.start()
    except BrokerUnavailable as exc:  # same rule as the shared fixture
        service_unavailable(f"embedded broker unavailable: {exc}")
    with broker:
        assert broker.running
        host, port = broker.bootstrap_servers.split(":")
        socket.create_connection((host, int(port)), timeout=1).close()
    assert not broker.running
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1).close()
