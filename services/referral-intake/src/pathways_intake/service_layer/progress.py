"""The intake's view of what happened to its referrals after submission, fed by events: routing,
delivery, and what each provider then reports (status, reason, first contact, overdue first
contact), so a referrer sees early that a family was never told or could not be reached.

Each event is handled once (its id recorded in the same transaction as its effect); a batch of
events shares one transaction and a few statements per table (adapters.staged_progress), each
event changing what it would alone. Events for one household arrive in order on each topic, but
not across topics, so every effect only adds what its event says (service_layer.progress_effects):
a provider referral row converges whichever of raised, routed, delivered or failed is seen first.
"""
from __future__ import annotations

import contextlib
import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.lifecycle import ReasonCode, Status
from pathways_shared.contracts.payloads import ReferralRouted
from pathways_shared.events import DomainEvent
from pathways_shared.inbox import record_many_processed
from pathways_shared.telemetry import correlation_scope, new_correlation_id

from ..adapters.staged_progress import StagedProgress
from .progress_effects import apply, payload_of, provider_referral_ids

GROUP = "referral-intake"
log = logging.getLogger("pathways_intake")


@dataclass
class ProgressProjection:
    engine: AsyncEngine

    async def on_event(self, event: DomainEvent) -> bool:
        """Returns False for a redelivery or an event that is none of the intake's business."""
        return (await self.on_events([(event, None)], scoped=False))[0]

    async def on_events(self, events: list[tuple[DomainEvent, str | None]], *, scoped: bool = True) -> list[bool]:
        """Events in order, in one transaction, each handled as alone; False for each redelivery or
        event not ours. One log line for the batch; with DEBUG, a line per event, scoped: each under
        the correlation id it arrived with (a fresh one when it came without), otherwise under the
        current one."""
        # Every payload is read before anything is written: one that can never be handled fails the
        # batch, which the consumer then handles one event a transaction.
        payloads = [payload_of(event) for event, _ in events]
        done = []
        async with self.engine.begin() as conn:
            fresh = await record_many_processed(
                conn, GROUP, [event.eventId for (event, _), p in zip(events, payloads) if p is not None])
            handling = [p for (event, _), p in zip(events, payloads) if p is not None and event.eventId in fresh]
            staged = await StagedProgress.load(
                conn, {p.referral_id for p in handling if isinstance(p, ReferralRouted)},
                {i for p in handling for i in provider_referral_ids(p)})
            for (event, _), payload in zip(events, payloads):
                if payload is None or event.eventId not in fresh:
                    done.append(False)  # processed before, earlier in this batch, or not ours
                    continue
                fresh.discard(event.eventId)
                apply(staged, payload)
                done.append(True)
            await staged.flush(conn)
        recorded = Counter(str(event.eventType) for (event, _), handled in zip(events, done) if handled)
        if recorded:  # a line a batch: at ~55 µs a line, one an event was over a tenth of the intake's CPU
            log.info("referral progress recorded", extra={"events": sum(recorded.values()), "by_type": recorded})
        if log.isEnabledFor(logging.DEBUG):
            for (event, correlation), handled in zip(events, done):
                if handled:
                    scope = correlation_scope(correlation or new_correlation_id()) if scoped else contextlib.nullcontext()
                    with scope:
                        log.debug("referral progress recorded", extra={"referral_id": str(event.referralId),
                                                                       "event_type": str(event.eventType)})
        return done


# What a referrer should act on: the provider could not reach the family, the family was never told
# of the referral, or first contact is overdue (../shared/domain/POLICY.md §6, SOURCES.md F2, F3).
ATTENTION_REASONS = frozenset({ReasonCode.no_contact.value, ReasonCode.client_not_told.value})
AWAITING_CONTACT = frozenset({Status.requested.value, Status.accepted.value, Status.in_progress.value})


def provider_referral_progress(row) -> dict:
    """One provider referral as the referrer sees it: delivery, then the provider's lifecycle."""
    attention = [row.status_reason] if row.status_reason in ATTENTION_REASONS else []
    if row.first_contact_due_on is not None and row.first_contact_on is None and row.status in AWAITING_CONTACT:
        attention.append("first_contact_overdue")
    return {
        "provider_referral_id": str(row.provider_referral_id), "provider": row.provider,
        "delivery": row.delivery, "attempts": row.attempts,
        "lifecycle_status": row.status, "status_reason": row.status_reason,
        "first_contact_on": row.first_contact_on.isoformat() if row.first_contact_on else None,
        "first_contact_due_on": row.first_contact_due_on.isoformat() if row.first_contact_due_on else None,
        "attention": attention,
    }
