"""Retries of unresolved HMPPS events: a background task that re-processes inbox messages
whose next attempt is due. Safe with several intake processes: each message is claimed first.
"""
from __future__ import annotations

import logging

from pathways_shared.periodic import Periodic

from . import inbox
from .inbox import utc_now
from .processing import ProbationEvents

log = logging.getLogger("pathways_intake.hmpps")
BATCH = 50


class RetryWorker(Periodic):
    task_name = "hmpps-retries"

    def __init__(self, events: ProbationEvents, *, poll_seconds: float = 5.0):
        self.events = events
        self.poll_seconds = poll_seconds

    async def run_due(self) -> int:
        """Retry every message due now; returns how many were retried."""
        engine, now = self.events.service.engine, utc_now()
        async with engine.connect() as conn:
            rows = await inbox.due(conn, now, BATCH)
        retried = 0
        for row in rows:
            # Held for one longest delay: if this process dies mid-retry, the message comes due again.
            async with engine.begin() as conn:
                if not await inbox.claim(conn, row, now + self.events.retry.longest_delay):
                    continue  # another worker took it
            try:
                await self.events.process(row)
            except Exception:  # noqa: BLE001 - one message must not stop the others' retries
                log.exception("HMPPS event retry failed", extra={"inbox_id": row.id, "event_type": row.event_type})
            retried += 1
        return retried
