"""The first-contact reminder: a provider referral still without first contact after the
configured number of working days raises FirstContactReminderRaised, once, for the provider
(and shows in the commissioner's overdue list meanwhile), and is sent to the provider on its
pushed channels (reminder_delivery.py)."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import FirstContactReminderRaised
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox

from ..adapters import lifecycle as lc
from ..domain.working_days import Timeliness
from .lifecycle_rules import delivered_before
from .lifecycle_views import local_date
from .reminder_delivery import add_reminder_deliveries

log = logging.getLogger("pathways_notifier.reminders")


@dataclass
class FirstContactReminders:
    engine: AsyncEngine
    topics: Topics
    today: Callable[[], date]
    timeliness: Timeliness = Timeliness()
    published: Callable[[], None] = lambda: None
    pushed: Callable[[str], Sequence[str]] = lambda provider: ()   # a provider's webhook/email channels

    async def run_once(self) -> int:
        """Raise every reminder now due; returns how many were raised."""
        today = self.today()
        async with self.engine.connect() as conn:
            rows = await lc.awaiting_contact(conn, None, delivered_before(today, self.timeliness), unreminded=True)
        raised = 0
        for row in rows:
            delivered_on = local_date(row.delivered_at)
            if not self.timeliness.is_overdue(delivered_on, today):
                continue
            async with self.engine.begin() as conn:
                # Marked in the same transaction as the event: two workers never both raise it.
                if not await lc.mark_reminded(conn, row.provider_referral_id, datetime.now(UTC)):
                    continue
                payload = FirstContactReminderRaised(
                    provider_referral_id=row.provider_referral_id, referral_id=row.referral_id,
                    provider=row.provider, delivered_on=delivered_on, due_on=self.timeliness.due_on(delivered_on),
                    working_days=self.timeliness.working_days)
                kind = EventType.first_contact_reminder_raised
                event = new_event(kind, row.referral_id, description=f"{row.provider} first contact overdue",
                                  additional_information=payload.model_dump(mode="json"),
                                  identifiers=[("PATHWAYS_PERSON", p["pseudonym"])
                                               for p in row.persons if p.get("pseudonym")])
                await add_to_outbox(conn, event, topic=self.topics.for_event(kind))
                await add_reminder_deliveries(conn, row, self.pushed(row.provider), datetime.now(UTC))
            raised += 1
            log.info("first contact reminder raised", extra={"provider": row.provider,
                                                            "provider_referral_id": str(row.provider_referral_id)})
        if raised:
            self.published()
        return raised

    async def run(self, interval_s: float) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("first contact reminder pass failed; trying again next interval")
            await asyncio.sleep(interval_s)
