"""The delivery worker: takes due deliveries, assembles each payload at delivery time, signs it,
POSTs it, and records the outcome with its event in one transaction.

Delivery is at least once per webhook-id: a clean failure (non-2xx, refused connection) is simply
retried; only an ambiguous one (a timeout, or a crash between the provider's 2xx and our commit)
can make a provider see the same webhook-id twice, which Standard Webhooks receivers dedupe.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters import repository as repo
from ..adapters.endpoints import Endpoint
from ..adapters.intake import DocumentUnavailable, IntakeClient
from ..domain.backoff import retry_delay
from ..domain.delivery import is_acknowledged, webhook_body
from ..domain.projection import project
from ..domain.signing import webhook_headers
from .. import metrics
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
    def __init__(self, engine: AsyncEngine, endpoints: dict[str, Endpoint], fields: dict[str, list[str]],
                 intake: IntakeClient, http: httpx.AsyncClient, outcomes: Outcomes, policy: RetryPolicy,
                 today: Callable[[], date], rng: random.Random | None = None):
        self.engine, self.endpoints, self.fields = engine, endpoints, fields
        self.intake, self.http, self.outcomes, self.policy = intake, http, outcomes, policy
        self.today, self.rng = today, rng or random.Random()
        self._unconfigured_warned: set[str] = set()
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
        endpoint = self.endpoints.get(row.provider)
        if endpoint is None:
            await self._wait_for_configuration(row)
            return
        metrics.ATTEMPTED.labels(row.provider).inc()
        code, error, retry_after = None, None, None
        try:
            body = await self._body(row)
            stamp = int(time.time())
            response = await self.http.post(endpoint.webhook_url, content=body,
                                            headers=webhook_headers(endpoint.key, row.webhook_id, stamp, body))
            code = response.status_code
            if not is_acknowledged(code):
                error, retry_after = f"HTTP {code}", _seconds(response.headers.get("retry-after"))
        except DocumentUnavailable as exc:
            error = str(exc)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        except Exception as exc:  # a document this code cannot project: count it, so it ends visibly dead
            error = f"could not assemble the payload: {type(exc).__name__}"
            # Type only: the message of an error about a document may quote what is in it.
            log.error(error, extra={"webhook_id": row.webhook_id, "provider": row.provider})
        if error is None:
            await self.outcomes.delivered(row, code)
            return
        failed = row.attempts + 1
        delay = retry_delay(failed, self.policy.base_s, self.policy.cap_s, self.rng)
        if retry_after is not None:  # the provider asked for a pause; honour it up to the cap
            delay = max(delay, min(retry_after, self.policy.cap_s))
        dead = failed >= self.policy.max_attempts
        await self.outcomes.failed(row, error, code, dead, datetime.now(UTC) + timedelta(seconds=delay))

    async def _body(self, row) -> bytes:
        referral = await self.intake.document(row.referral_id)
        on = self.today()
        projected = project(referral, row.persons, self.fields.get(row.provider, ()), on)
        return webhook_body(row, projected, repo.utc(row.raised_at), on)

    async def _wait_for_configuration(self, row) -> None:
        if row.provider not in self._unconfigured_warned:
            self._unconfigured_warned.add(row.provider)
            log.warning("no webhook endpoint configured for this provider; its deliveries stay pending",
                        extra={"provider": row.provider})
        async with self.engine.begin() as conn:
            await repo.reschedule(conn, row.webhook_id, datetime.now(UTC) + timedelta(seconds=self.policy.cap_s),
                                  "no webhook endpoint configured")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP-date; the backoff schedule is good enough
