"""An attempt's outcome, recorded with the event announcing it in one transaction:
ProviderReferralDelivered on a 2xx, ProviderReferralDeliveryFailed (dead_lettered) when the last
attempt fails, ProviderReferralStatusChanged to `cancelled` when its consent gate closed before
delivery. A failure with attempts left is only rescheduled: nothing to announce yet."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.lifecycle import OPEN, ReasonCode
from pathways_shared.contracts.lifecycle import Status as Lifecycle
from pathways_shared.contracts.payloads import (
    ProviderReferralDelivered, ProviderReferralDeliveryFailed, ProviderReferralStatusChanged,
)
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox

from .. import metrics
from ..adapters import lifecycle
from ..adapters import repository as repo
from ..domain.delivery import Status
from ..domain.lifecycle import LifecycleState

log = logging.getLogger("pathways_notifier.delivery")


@dataclass
class Outcomes:
    engine: AsyncEngine
    topics: Topics
    published: Callable[[], None] = lambda: None  # e.g. wake the outbox relay

    async def delivered(self, row, status_code: int) -> None:
        now = datetime.now(UTC)
        payload = ProviderReferralDelivered(
            provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
            webhook_id=row.webhook_id, attempts=row.attempts + 1, status_code=status_code, delivered_at=now)
        async with self.engine.begin() as conn:
            if not await repo.record_attempt(conn, row.webhook_id, status=Status.delivered.value,
                                             attempts=row.attempts + 1, last_status_code=status_code,
                                             delivered_at=now):
                return
            await lifecycle.open_on_delivery(conn, row, now)  # it enters `requested` (POLICY.md §6)
            await self._announce(conn, EventType.provider_referral_delivered, row, payload, "delivered")
        metrics.SUCCEEDED.labels(row.provider).inc()
        metrics.LATENCY.labels(row.provider).observe(max(0.0, (now - repo.utc(row.raised_at)).total_seconds()))
        log.info("provider referral delivered", extra={"webhook_id": row.webhook_id, "provider": row.provider,
                                                       "attempts": row.attempts + 1})
        self.published()

    async def failed(self, row, error: str, status_code: int | None, dead: bool, retry_at: datetime) -> None:
        attempts = row.attempts + 1
        values = {"attempts": attempts, "last_error": error, "last_status_code": status_code}
        values |= {"status": Status.dead.value} if dead else {"next_attempt_at": retry_at}
        async with self.engine.begin() as conn:
            if not await repo.record_attempt(conn, row.webhook_id, **values):
                return
            if dead:
                payload = ProviderReferralDeliveryFailed(
                    provider_referral_id=row.provider_referral_id, referral_id=row.referral_id,
                    provider=row.provider, webhook_id=row.webhook_id, attempts=attempts, last_error=error,
                    dead_lettered=True)
                await self._announce(conn, EventType.provider_referral_delivery_failed, row, payload,
                                     "delivery dead-lettered")
        metrics.FAILED.labels(row.provider).inc()
        extra = {"webhook_id": row.webhook_id, "provider": row.provider, "attempts": attempts, "error": error}
        if dead:
            metrics.DEAD_LETTERED.labels(row.provider).inc()
            log.error("provider referral delivery dead-lettered", extra=extra)
            self.published()
        else:
            log.warning("provider referral delivery failed; will retry",
                        extra=extra | {"retry_at": retry_at.isoformat()})

    async def cancelled(self, row, why: str) -> None:
        """Nothing of this provider referral goes out (every pending delivery is cancelled, `why`
        recorded on each), and it is cancelled: from where it stood if it was delivered before
        (a later revision), else from never having been delivered."""
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            if row.webhook_id not in await repo.cancel_pending(conn, row.provider_referral_id, why):
                return  # settled meanwhile (e.g. cancelled through another channel)
            opened = await lifecycle.load(conn, row.provider_referral_id, None, for_update=True)
            if opened is not None and Lifecycle(opened.status) not in OPEN:
                return  # already closed: nothing more to say
            reason = ReasonCode.consent_withdrawn
            if opened is not None:
                await lifecycle.save_transition(conn, opened, LifecycleState(Lifecycle.cancelled, None, reason),
                                                "system", now)
            payload = ProviderReferralStatusChanged(
                provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
                from_status=opened.status if opened is not None else None, to_status=Lifecycle.cancelled,
                reason=reason, changed_at=now, by="system")
            await self._announce(conn, EventType.provider_referral_status_changed, row, payload,
                                 "cancelled: consent gate closed")
        log.warning("provider referral not delivered: consent gate closed; cancelled",
                    extra={"webhook_id": row.webhook_id, "provider": row.provider, "why": why})
        self.published()

    async def _announce(self, conn, kind: EventType, row, payload, what: str) -> None:
        event = new_event(kind, row.referral_id, description=f"{row.provider} referral {what}",
                          additional_information=payload.model_dump(mode="json"),
                          identifiers=[("PATHWAYS_PERSON", p["pseudonym"]) for p in row.persons if p.get("pseudonym")])
        await add_to_outbox(conn, event, topic=self.topics.for_event(kind))
