"""Taking the first-contact reminder to the provider through its pushed channels (webhook, email).

A reminder is stored as a delivery per channel in the transaction that raises it, so the delivery
worker sends it with the same retries, dead letters and replay as a referral; only what is sent
and what is recorded on success differ (no lifecycle to open, no delivery event to announce).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pathways_shared.contracts.payloads import FirstContactReminderRaised

from .. import metrics
from ..adapters import lifecycle as lc
from ..adapters import repository as repo
from ..domain.delivery import Status
from ..domain.reminder import (REMINDER_CHANNELS, is_reminder, reminder_body, reminder_delivery_id,
                               reminder_notice)
from ..domain.working_days import Timeliness
from .channels import Attempt, EmailChannel, WebhookChannel
from .lifecycle_views import local_date
from .outcomes import Outcomes

log = logging.getLogger("pathways_notifier.reminders")


async def add_reminder_deliveries(conn: AsyncConnection, row, channels: Iterable[str], at: datetime) -> int:
    """One pending delivery per pushed channel for the reminder of lifecycle row `row`."""
    stored = 0
    for channel in channels:
        stored += await repo.add_delivery(conn, {
            "webhook_id": reminder_delivery_id(row.provider_referral_id, channel),
            "channel": REMINDER_CHANNELS[channel], "provider_referral_id": row.provider_referral_id,
            "referral_id": row.referral_id, "provider": row.provider, "revision": row.revision,
            "persons": row.persons, "urgent": row.urgent, "waitlisted": row.waitlisted, "raised_at": at})
    return stored


@dataclass
class ReminderSource:
    """The reminder's dates, read from the provider referral when it is sent."""
    engine: AsyncEngine
    timeliness: Callable[[], Timeliness]   # the reminders' own, so both always agree

    async def reminder(self, delivery) -> FirstContactReminderRaised:
        async with self.engine.connect() as conn:
            row = await lc.load(conn, delivery.provider_referral_id, None)
        delivered_on, timeliness = local_date(row.delivered_at), self.timeliness()
        return FirstContactReminderRaised(
            provider_referral_id=row.provider_referral_id, referral_id=row.referral_id, provider=row.provider,
            delivered_on=delivered_on, due_on=timeliness.due_on(delivered_on), working_days=timeliness.working_days)


@dataclass
class ReminderWebhookChannel:
    webhook: WebhookChannel
    source: ReminderSource
    missing = WebhookChannel.missing

    def configured(self, provider: str) -> bool:
        return self.webhook.configured(provider)

    async def attempt(self, row) -> Attempt:
        body = reminder_body(await self.source.reminder(row), repo.utc(row.raised_at))
        return await self.webhook.post(row.provider, row.webhook_id, body)


@dataclass
class ReminderEmailChannel:
    email: EmailChannel
    source: ReminderSource
    missing = EmailChannel.missing

    def configured(self, provider: str) -> bool:
        return self.email.configured(provider)

    async def attempt(self, row) -> Attempt:
        return await self.email.send(reminder_notice(await self.source.reminder(row), self.email.inbox_base_url,
                                                     self.email.server.sender, self.email.mailboxes[row.provider]))


def reminder_channels(webhook: WebhookChannel, email: EmailChannel, source: ReminderSource) -> dict:
    """The worker's channels for reminder deliveries, keyed by their stored channel name."""
    return {REMINDER_CHANNELS["webhook"]: ReminderWebhookChannel(webhook, source),
            REMINDER_CHANNELS["email"]: ReminderEmailChannel(email, source)}


class OutcomesWithReminders(Outcomes):
    """A referral's outcomes as before; a reminder's are only recorded on its delivery row."""

    async def delivered(self, row, status_code: int) -> None:
        if not is_reminder(row.channel):
            return await super().delivered(row, status_code)
        async with self.engine.begin() as conn:
            await repo.record_attempt(conn, row.webhook_id, status=Status.delivered.value, attempts=row.attempts + 1,
                                      last_status_code=status_code, delivered_at=datetime.now(UTC))
        metrics.SUCCEEDED.labels(row.provider).inc()
        log.info("first contact reminder delivered", extra={"webhook_id": row.webhook_id, "provider": row.provider})

    async def failed(self, row, error: str, status_code: int | None, dead: bool, retry_at: datetime) -> None:
        if not is_reminder(row.channel):
            return await super().failed(row, error, status_code, dead, retry_at)
        values = {"attempts": row.attempts + 1, "last_error": error, "last_status_code": status_code}
        values |= {"status": Status.dead.value} if dead else {"next_attempt_at": retry_at}
        async with self.engine.begin() as conn:
            await repo.record_attempt(conn, row.webhook_id, **values)
        metrics.FAILED.labels(row.provider).inc()
        extra = {"webhook_id": row.webhook_id, "provider": row.provider, "attempts": row.attempts + 1, "error": error}
        if dead:
            metrics.DEAD_LETTERED.labels(row.provider).inc()
            log.error("first contact reminder dead-lettered", extra=extra)
        else:
            log.warning("first contact reminder not delivered; will retry", extra=extra)
