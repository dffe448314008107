"""What each event the progress projection consumes changes, applied to a batch's staged rows
(adapters.staged_progress). Every effect only adds what its event says, so a provider referral
row converges whichever of raised, routed, delivered or failed is seen first."""
from __future__ import annotations

import uuid

from pydantic import BaseModel

from pathways_shared.contracts.payloads import (
    FirstContactRecorded, FirstContactReminderRaised, ProviderReferralDelivered, ProviderReferralDeliveryFailed,
    ProviderReferralRaised, ProviderReferralStatusChanged, ReferralRouted,
)
from pathways_shared.events import DomainEvent, EventType

from ..adapters.staged_progress import StagedProgress
from ..domain.progress import Delivery

PAYLOADS: dict[EventType, type[BaseModel]] = {
    EventType.referral_routed: ReferralRouted,
    EventType.provider_referral_raised: ProviderReferralRaised,
    EventType.provider_referral_delivered: ProviderReferralDelivered,
    EventType.provider_referral_delivery_failed: ProviderReferralDeliveryFailed,
    EventType.provider_referral_status_changed: ProviderReferralStatusChanged,
    EventType.first_contact_recorded: FirstContactRecorded,
    EventType.first_contact_reminder_raised: FirstContactReminderRaised,
}


def payload_of(event: DomainEvent) -> BaseModel | None:
    """The event's payload; None for an event that is none of the projection's business."""
    model = PAYLOADS.get(event.eventType)
    return None if model is None else model.model_validate(event.additionalInformation)


def provider_referral_ids(payload: BaseModel) -> list[uuid.UUID]:
    if isinstance(payload, ReferralRouted):
        return payload.provider_referral_ids
    return [payload.provider_referral_id]


def _routed(staged: StagedProgress, routed: ReferralRouted) -> None:
    stored = staged.routing_revision(routed.referral_id)
    if stored is None or stored <= routed.revision:  # a late older revision changes nothing
        staged.save_routing(routed.referral_id, routed.revision, routed.as_of, routed.rulebook_version,
                            routed.decisions)
    # The router lists only newly raised referrals, so earlier ones are kept.
    for provider_referral_id in routed.provider_referral_ids:
        staged.note_provider_referral(provider_referral_id, routed.referral_id)


def _raised(staged: StagedProgress, raised: ProviderReferralRaised) -> None:
    staged.note_provider_referral(raised.provider_referral_id, raised.referral_id, raised.provider)


def _delivered(staged: StagedProgress, done: ProviderReferralDelivered) -> None:
    staged.note_provider_referral(done.provider_referral_id, done.referral_id, done.provider,
                                  Delivery.delivered.value, done.attempts)
    staged.note_requested(done.provider_referral_id, done.delivered_at)


def _failed(staged: StagedProgress, failed: ProviderReferralDeliveryFailed) -> None:
    # Until it is dead-lettered the notifier is still retrying, so it is still pending.
    delivery = Delivery.failed if failed.dead_lettered else Delivery.pending
    staged.note_provider_referral(failed.provider_referral_id, failed.referral_id, failed.provider,
                                  delivery.value, failed.attempts)


def _status_changed(staged: StagedProgress, changed: ProviderReferralStatusChanged) -> None:
    staged.note_status(changed.provider_referral_id, changed.referral_id, changed.provider, changed.to_status.value,
                       changed.reason.value if changed.reason else None, changed.changed_at)


def _first_contact(staged: StagedProgress, contact: FirstContactRecorded) -> None:
    staged.note_first_contact(contact.provider_referral_id, contact.referral_id, contact.provider,
                              contact.contacted_on, contact.method.value)


def _reminder(staged: StagedProgress, reminder: FirstContactReminderRaised) -> None:
    staged.note_reminder(reminder.provider_referral_id, reminder.referral_id, reminder.provider, reminder.due_on)


APPLY = {
    ReferralRouted: _routed, ProviderReferralRaised: _raised, ProviderReferralDelivered: _delivered,
    ProviderReferralDeliveryFailed: _failed, ProviderReferralStatusChanged: _status_changed,
    FirstContactRecorded: _first_contact, FirstContactReminderRaised: _reminder,
}


def apply(staged: StagedProgress, payload: BaseModel) -> None:
    APPLY[type(payload)](staged, payload)
