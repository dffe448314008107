"""What the notifier does with a raised provider referral: store one delivery for it, in the
same transaction as recording the event as processed, so a redelivered event or a restart never
creates a second one."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.payloads import ProviderReferralRaised
from pathways_shared.events import DomainEvent, EventType, MalformedEvent
from pathways_shared.inbox import describe_error, record_processed

from ..adapters import repository as repo
from ..domain.delivery import webhook_id

GROUP = "notifier"


@dataclass
class NotifierService:
    engine: AsyncEngine
    webhook_providers: frozenset[str] | None = None  # None: every provider is reached by webhook

    async def on_provider_referral_event(self, event: DomainEvent) -> bool:
        """True when a new delivery was stored."""
        if event.eventType != EventType.provider_referral_raised:
            return False
        try:
            raised = ProviderReferralRaised.model_validate(event.additionalInformation)
        except ValueError as exc:
            raise MalformedEvent(f"not a ProviderReferralRaised payload: {describe_error(exc)}") from exc
        async with self.engine.begin() as conn:
            if not await record_processed(conn, GROUP, event):
                return False
            if self.webhook_providers is not None and raised.provider not in self.webhook_providers:
                return False  # reached through another channel, not this service's business
            return await repo.add_delivery(conn, {
                "webhook_id": webhook_id(raised.provider_referral_id, raised.revision),
                "provider_referral_id": raised.provider_referral_id, "referral_id": raised.referral_id,
                "provider": raised.provider, "revision": raised.revision,
                "persons": [{"person_ref": p.person_ref, "role": p.role, "pseudonym": p.pseudonym}
                            for p in raised.persons],
                "urgent": raised.urgent, "waitlisted": raised.waitlisted, "raised_at": event.occurredAt,
            })
