"""What the notifier does with a raised provider referral: store one delivery for each channel the
provider is pushed on (webhook, email), in the same transaction as recording the event as
processed, so a redelivered event or a restart never creates a second one. A provider reached only
through the inbox gets no delivery: the referral is in its inbox once raised."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.payloads import ProviderReferralRaised
from pathways_shared.events import DomainEvent, EventType, MalformedEvent
from pathways_shared.inbox import describe_error, record_processed

from ..adapters import lifecycle
from ..adapters import repository as repo
from ..domain.delivery import PUSHED, Channel, delivery_id

GROUP = "notifier"


@dataclass
class NotifierService:
    engine: AsyncEngine
    channels: Mapping[str, Sequence[str]] | None = None  # the rulebook's; None: every provider by webhook

    def pushed(self, provider: str) -> list[str]:
        listed = [Channel.webhook] if self.channels is None else self.channels.get(provider, ())
        return [c.value for c in PUSHED if c in listed]

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
            stored = False
            for channel in self.pushed(raised.provider):
                stored |= await repo.add_delivery(conn, {
                    "webhook_id": delivery_id(raised.provider_referral_id, raised.revision, channel),
                    "channel": channel,
                    "provider_referral_id": raised.provider_referral_id, "referral_id": raised.referral_id,
                    "provider": raised.provider, "revision": raised.revision,
                    "persons": [{"person_ref": p.person_ref, "role": p.role, "pseudonym": p.pseudonym}
                                for p in raised.persons],
                    "urgent": raised.urgent, "waitlisted": raised.waitlisted, "raised_at": event.occurredAt,
                })
            if not self.pushed(raised.provider):  # inbox only: raising it is delivering it
                await lifecycle.open_on_delivery(conn, raised, event.occurredAt)
            return stored
