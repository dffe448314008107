"""Referral events consumed in batches: one transaction, a statement or two per table and one
offset commit for many events, each handled exactly as alone (its id recorded in
processed_messages with its effect, so a redelivered batch changes nothing) and in the order of
its partition."""
from __future__ import annotations

from typing import NamedTuple

from pathways_shared.events import DomainEvent
from pathways_shared.inbox import DEAD_LETTER_ERRORS

from .handlers import RouterService, received_from


class Handled(NamedTuple):
    count: int                                      # handled now (not redeliveries)
    refused: list[tuple[DomainEvent, Exception]]    # can never be handled: the caller dead-letters them


async def handle_batch(service: RouterService, batch: list[tuple[DomainEvent, str | None]]) -> Handled:
    """Events with the correlation id each arrived with, in one transaction.

    When that transaction fails on an event that can never be handled, the batch is handled one
    transaction per event instead, so the bad one is refused and the rest are not held back by
    it. Any other failure propagates and the whole batch is delivered again."""
    ready, refused = [], []
    for event, correlation in batch:
        try:
            received = received_from(event)
        except DEAD_LETTER_ERRORS as exc:
            refused.append((event, exc))
            continue
        if received is not None:
            ready.append((event, received, correlation))
    try:
        async with service.engine.begin() as conn:
            handled = await service.handle_many(conn, ready)
    except DEAD_LETTER_ERRORS:
        handled = []
        for item in ready:
            try:
                async with service.engine.begin() as conn:
                    handled += await service.handle_many(conn, [item])
            except DEAD_LETTER_ERRORS as exc:
                refused.append((item[0], exc))
    return Handled(sum(handled), refused)
