"""The intake's view of what happened to its referrals after submission, fed by events.

Each event is handled once (its id recorded in the same transaction as its effect). Events for
one household arrive in order on each topic, but not across topics, so every handler only adds
what its event says: a provider referral row converges whichever of raised, routed, delivered
or failed is seen first.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.payloads import (
    ProviderReferralDelivered, ProviderReferralDeliveryFailed, ProviderReferralRaised, ReferralRouted,
)
from pathways_shared.events import DomainEvent, EventType
from pathways_shared.inbox import record_processed

from ..adapters import repository as repo
from ..domain.progress import Delivery

GROUP = "referral-intake"
log = logging.getLogger("pathways_intake")


@dataclass
class ProgressProjection:
    engine: AsyncEngine

    async def on_event(self, event: DomainEvent) -> bool:
        """Returns False for a redelivery or an event that is none of the intake's business."""
        handler = {
            EventType.referral_routed: self._routed,
            EventType.provider_referral_raised: self._raised,
            EventType.provider_referral_delivered: self._delivered,
            EventType.provider_referral_delivery_failed: self._failed,
        }.get(event.eventType)
        if handler is None:
            return False
        async with self.engine.begin() as conn:
            if not await record_processed(conn, GROUP, event):
                return False
            await handler(conn, event.additionalInformation)
        log.info("referral progress recorded", extra={"referral_id": str(event.referralId),
                                                      "event_type": str(event.eventType)})
        return True

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

    async def _failed(self, conn, info: dict) -> None:
        failed = ProviderReferralDeliveryFailed.model_validate(info)
        # Until it is dead-lettered the notifier is still retrying, so it is still pending.
        delivery = Delivery.failed if failed.dead_lettered else Delivery.pending
        await repo.note_provider_referral(conn, failed.provider_referral_id, failed.referral_id, failed.provider,
                                          delivery.value, failed.attempts)
