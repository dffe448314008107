"""The FastStream Kafka broker every consuming service uses, wired the same way everywhere.

    broker = make_kafka_broker(settings)

    @broker.subscriber(topics.referrals, **subscriber_options(settings, "router"))
    async def on_referral(event: DomainEvent, msg: KafkaMessage) -> None: ...

Offsets are committed only after a message is handled (at-least-once); a handler error that is
not a malformed message rewinds to that message so it is tried again; malformed messages go to
the topic's dead-letter twin (see pathways_shared.inbox.DeadLetterMiddleware).
"""
from __future__ import annotations

import logging
from typing import Any

import prometheus_client
from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.middlewares import AckPolicy

from ..events import DomainEvent, correlation_id_from, decode_event
from ..settings import Settings
from ..telemetry import correlation_id, new_correlation_id


class CorrelationMiddleware(BaseMiddleware):
    """Handle each message under the correlation id it arrived with (or a fresh one)."""

    async def on_receive(self) -> None:
        headers = getattr(self.msg, "headers", None)
        self._token = correlation_id.set(correlation_id_from(headers) or new_correlation_id())

    async def after_processed(self, exc_type=None, exc_val=None, exc_tb=None) -> bool | None:
        correlation_id.reset(self._token)
        return False


async def event_decoder(msg: Any) -> DomainEvent:
    """FastStream decoder: the body as a DomainEvent, or MalformedEvent with the reason."""
    return decode_event(msg.body)


def make_kafka_broker(
    settings: Settings,
    *,
    registry: prometheus_client.CollectorRegistry | None = None,
    dead_letters: bool = True,
    **broker_kwargs: Any,
) -> KafkaBroker:
    """A KafkaBroker on settings.kafka_bootstrap_servers with correlation, dead-letter and
    Prometheus middlewares. Metrics go to `registry` (the process-wide default if None)."""
    from ..inbox import DeadLetterMiddleware  # the inbox module builds on this one

    middlewares: list[Any] = [CorrelationMiddleware]
    if dead_letters:
        middlewares.append(DeadLetterMiddleware)
    middlewares.append(KafkaPrometheusMiddleware(
        registry=registry if registry is not None else prometheus_client.REGISTRY,
        app_name=settings.service_name,
        metrics_prefix="pathways",
    ))
    broker_kwargs.setdefault("client_id", settings.service_name)
    # FastStream's own lines go through our JSON handlers like every other log line.
    broker_kwargs.setdefault("logger", logging.getLogger(f"pathways.{settings.service_name}.broker"))
    return KafkaBroker(settings.kafka_bootstrap_servers, middlewares=middlewares, **broker_kwargs)


def subscriber_options(settings: Settings, group_id: str, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for `broker.subscriber(...)`: group, timeouts, decoder and ack policy.

    The session timeout comes from settings because the broker holds each group join for half
    of it; tests use about 2000 ms so a consumer is ready quickly.
    """
    options: dict[str, Any] = {
        "group_id": group_id,
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.heartbeat_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        "auto_offset_reset": "earliest",
        "decoder": event_decoder,
        # Commit after handling; rewind on a (non-malformed) failure so nothing is skipped.
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }
    options.update(overrides)
    return options
