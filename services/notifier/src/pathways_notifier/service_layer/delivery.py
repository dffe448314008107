"""The delivery worker: takes due deliveries, makes one attempt each on the delivery's channel
(service_layer/channels.py), and records the outcome with its event in one transaction.

Delivery is at least once per delivery id: a clean failure (non-2xx, refused connection, an SMTP
error reply) is simply retried; only an ambiguous one (a timeout, or a crash between the
receiver's acknowledgement and our commit) can make a provider see the same id twice, which
Standard Webhooks receivers dedupe (and mail clients, by the stable Message-ID).
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters import repository as repo
from ..domain.backoff import retry_delay
from .. import metrics
from .channels import Attempt, EmailChannel, WebhookChannel
from .outcomes import Outcomes

log = logging.getLogger("pathways_notifier.delivery")


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 1.0
    cap_s: float = 60.0
    max_attempts: int = 8
    lease_s: float = 60.0       # longer than one attempt can take (intake + webhook timeouts)
    batch_size: int = 20


class DeliveryWorker:
    def __init__(self, engine: AsyncEngine, channels: dict[str, WebhookChannel | EmailChannel],
                 outcomes: Outcomes, policy: RetryPolicy, rng: random.Random | None = None):
        self.engine, self.channels, self.outcomes, self.policy = engine, channels, outcomes, policy
        self.rng = rng or random.Random()
        self._unconfigured_warned: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, interval_s: float) -> None:
        while True:
            try:
                count = await self.run_once()
            except Exception:
                log.exception("delivery pass failed; trying again next interval")
                count = 0
            if count < self.policy.batch_size:
                try:
                    await asyncio.wait_for(self._wake.wait(), interval_s)
                except TimeoutError:
                    pass
                self._wake.clear()

    async def run_once(self) -> int:
        """Attempt every due delivery (one batch); returns how many were taken."""
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            rows = await repo.claim_due(conn, now, timedelta(seconds=self.policy.lease_s), self.policy.batch_size)
        outcomes = await asyncio.gather(*(self._attempt(r) for r in rows), return_exceptions=True)
        for row, outcome in zip(rows, outcomes):
            if isinstance(outcome, Exception):  # e.g. the database went away; the lease brings it back
                log.error("delivery attempt not recorded", exc_info=outcome, extra={"webhook_id": row.webhook_id})
        return len(rows)

    async def _attempt(self, row) -> None:
        channel = self.channels.get(row.channel)
        if channel is None or not channel.configured(row.provider):
            await self._wait_for_configuration(row, channel.missing if channel else f"no {row.channel} channel")
            return
        metrics.ATTEMPTED.labels(row.provider).inc()
        attempt: Attempt = await channel.attempt(row)
        if attempt.cancelled is not None:
            await self.outcomes.cancelled(row, attempt.cancelled)
            return
        if attempt.error is None:
            await self.outcomes.delivered(row, attempt.code)
            return
        failed = row.attempts + 1
        delay = retry_delay(failed, self.policy.base_s, self.policy.cap_s, self.rng)
        if attempt.retry_after is not None:  # the receiver asked for a pause; honour it up to the cap
            delay = max(delay, min(attempt.retry_after, self.policy.cap_s))
        dead = failed >= self.policy.max_attempts
        await self.outcomes.failed(row, attempt.error, attempt.code, dead,
                                   datetime.now(UTC) + timedelta(seconds=delay))

    async def _wait_for_configuration(self, row, missing: str) -> None:
        if (row.provider, row.channel) not in self._unconfigured_warned:
            self._unconfigured_warned.add((row.provider, row.channel))
            log.warning(f"{missing} for this provider; its deliveries stay pending",
                        extra={"provider": row.provider, "channel": row.channel})
        async with self.engine.begin() as conn:
            await repo.reschedule(conn, row.webhook_id, datetime.now(UTC) + timedelta(seconds=self.policy.cap_s),
                                  missing)
