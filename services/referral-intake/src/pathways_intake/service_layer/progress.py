"""The intake's view of what happened to its referrals after submission, fed by events: routing,
delivery, and what each provider then reports (status, reason, first contact, overdue first
contact), so a referrer sees early that a family was never told or could not be reached.

Each event is handled once (its id recorded in the same transaction as its effect); a batch of
events shares one transaction. Events for
one household arrive in order on each topic, but not across topics, so every handler only adds
what its event says: a provider referral row converges whichever of raised, routed, delivered
or failed is seen first.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.lifecycle import ReasonCode, Status
from pathways_shared.contracts.payloads import (
    FirstContactRecorded, FirstContactReminderRaised, ProviderReferralDelivered, ProviderReferralDeliveryFailed,
    ProviderReferralRaised, ProviderReferralStatusChanged, ReferralRouted,
)
from pathways_shared.events import DomainEvent, EventType
from pathways_shared.inbox import record_processed
from pathways_shared.telemetry import correlation_scope, new_correlation_id

from ..adapters import provider_activity as activity
from ..adapters import repository as repo
from ..domain.progress import Delivery

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
        event not ours. Scoped: each under the correlation id it arrived with (a fresh one when it
        came without); otherwise under the current one."""
        if scoped:  # the same id for the effect and for the log line after the commit
            events = [(event, correlation or new_correlation_id()) for event, correlation in events]
        done = []
        async with self.engine.begin() as conn:
            for event, correlation in events:
                handler = self._handler(event)
                if handler is None or not await record_processed(conn, GROUP, event):
                    done.append(False)
                    continue
                with correlation_scope(correlation) if scoped else contextlib.nullcontext():
                    await handler(conn, event.additionalInformation)
                done.append(True)
        for (event, correlation), handled in zip(events, done):
            if handled:
                with correlation_scope(correlation) if scoped else contextlib.nullcontext():
                    log.info("referral progress recorded", extra={"referral_id": str(event.referralId),
                                                                  "event_type": str(event.eventType)})
        return done

    def _handler(self, event: DomainEvent):
        return {
            EventType.referral_routed: self._routed,
            EventType.provider_referral_raised: self._raised,
            EventType.provider_referral_delivered: self._delivered,
            EventType.provider_referral_delivery_failed: self._failed,
            EventType.provider_referral_status_changed: self._status_changed,
            EventType.first_contact_recorded: self._first_contact,
            EventType.first_contact_reminder_raised: self._reminder,
        }.get(event.eventType)

    async def _routed(self, conn, info: dict) -> None:
        routed = ReferralRouted.model_validate(info)
        stored = await repo.load_routing(conn, routed.referral_id)
        if stored is None or stored.revision <= routed.revision:  # a late older revision changes nothing
            await repo.save_routing(conn, routed.referral_id, routed.revision, routed.as_of,
                                    routed.rulebook_version, routed.decisions)
        # The router lists only newly raised referrals, so earlier ones are kept.
        for provider_referral_id in routed.provider_referral_ids:
            await repo.note_provider_referral(conn, provider_referral_id, routed.referral_id)

    async def _raised(self, conn, info: dict) -> None:
        raised = ProviderReferralRaised.model_validate(info)
        await repo.note_provider_referral(conn, raised.provider_referral_id, raised.referral_id, raised.provider)

    async def _delivered(self, conn, info: dict) -> None:
        done = ProviderReferralDelivered.model_validate(info)
        await repo.note_provider_referral(conn, done.provider_referral_id, done.referral_id, done.provider,
                                          Delivery.delivered.value, done.attempts)
        await activity.note_requested(conn, done.provider_referral_id, done.delivered_at)

    async def _failed(self, conn, info: dict) -> None:
        failed = ProviderReferralDeliveryFailed.model_validate(info)
        # Until it is dead-lettered the notifier is still retrying, so it is still pending.
        delivery = Delivery.failed if failed.dead_lettered else Delivery.pending
        await repo.note_provider_referral(conn, failed.provider_referral_id, failed.referral_id, failed.provider,
                                          delivery.value, failed.attempts)

    async def _status_changed(self, conn, info: dict) -> None:
        changed = ProviderReferralStatusChanged.model_validate(info)
        await activity.note_status(conn, changed.provider_referral_id, changed.referral_id, changed.provider,
                                   changed.to_status.value, changed.reason.value if changed.reason else None,
                                   changed.changed_at)

    async def _first_contact(self, conn, info: dict) -> None:
        contact = FirstContactRecorded.model_validate(info)
        await activity.note_first_contact(conn, contact.provider_referral_id, contact.referral_id, contact.provider,
                                          contact.contacted_on, contact.method.value)

    async def _reminder(self, conn, info: dict) -> None:
        reminder = FirstContactReminderRaised.model_validate(info)
        await activity.note_reminder(conn, reminder.provider_referral_id, reminder.referral_id, reminder.provider,
                                     reminder.due_on)


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
