"""The ledger records every event on every main topic, as received.

Idempotency is the ledger's own: an eventId already in the chain is not appended again, in the
same transaction that would append it. An envelope the ledger cannot read is dead-lettered.
"""
from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from pathways_shared import jsonsafe
from pathways_shared.broker.factory import subscriber_options
from pathways_shared.broker.topics import topics_for
from pathways_shared.events import MalformedEvent
from pathways_shared.settings import Settings

from ..bootstrap import Ledger
from ..domain.events import EnvelopeInvalid


async def raw_envelope(msg: Any) -> dict:
    """Keep the envelope whole (unknown members too): the ledger records what was said."""
    try:
        envelope = jsonsafe.loads(msg.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedEvent(f"not JSON: {type(exc).__name__}") from exc
    if not isinstance(envelope, dict):
        raise MalformedEvent("an event must be a JSON object")
    return envelope


def register_consumers(broker: KafkaBroker, ledger: Ledger, settings: Settings) -> None:
    topics = topics_for(settings)

    @broker.subscriber(*topics.main(), **subscriber_options(settings, "ledger", decoder=raw_envelope))
    async def record(envelope: dict) -> None:
        try:
            await ledger.record_event(envelope)
        except EnvelopeInvalid as exc:
            raise MalformedEvent(str(exc)) from exc
