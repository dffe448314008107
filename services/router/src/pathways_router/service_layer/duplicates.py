"""What the router learns from providers' activity: a provider referral reaching a closed status
(POLICY.md §6) is no longer open, so its persons may be referred to that provider again."""
from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.lifecycle import CLOSED
from pathways_shared.contracts.payloads import ProviderReferralStatusChanged
from pathways_shared.events import DomainEvent, EventType, MalformedEvent
from pathways_shared.inbox import record_processed

from ..adapters import provider_state as state

GROUP = "router-activity"


async def on_activity_event(engine: AsyncEngine, event: DomainEvent) -> bool:
    """Returns False for a redelivery or an event that is not the router's business."""
    if event.eventType != EventType.provider_referral_status_changed:
        return False
    try:
        changed = ProviderReferralStatusChanged.model_validate(event.additionalInformation)
    except ValidationError as exc:
        raise MalformedEvent(f"not a provider referral status change: {exc}") from exc
    async with engine.begin() as conn:
        if not await record_processed(conn, GROUP, event):
            return False
        if changed.to_status in CLOSED:
            await state.close_open(conn, changed.provider_referral_id)
    return True
