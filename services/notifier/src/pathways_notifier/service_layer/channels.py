"""How one attempt is made on each pushed channel. A channel says whether a provider can be reached
on it yet (configured) and makes one attempt, reporting an Attempt; the worker records it. Every
channel asks the consent gate first (domain/consent.py), against the household as it is now."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

import httpx

from ..adapters import repository as repo
from ..adapters.endpoints import Endpoint
from pathways_router.domain.compiled import CompiledRulebook
from pathways_shared.contracts.referral_v1 import HouseholdReferral

from ..adapters.intake import DocumentUnavailable, IntakeClient
from ..adapters.smtp import MailNotSent, SmtpServer
from ..domain.consent import closed_gates
from ..domain.delivery import is_acknowledged, webhook_body
from ..domain.notice import referral_notice
from ..domain.projection import project
from ..domain.signing import webhook_headers

log = logging.getLogger("pathways_notifier.delivery")


@dataclass(frozen=True)
class Attempt:
    code: int | None = None           # HTTP status or SMTP reply code, when there was one
    error: str | None = None          # None: acknowledged
    retry_after: float | None = None  # seconds the receiver asked us to wait
    cancelled: str | None = None      # why it must not be delivered at all (nothing was sent)


@dataclass
class ConsentGate:
    book: CompiledRulebook
    today: Callable[[], date]

    def closed(self, row, referral: HouseholdReferral) -> str | None:
        """Why the delivery must not go out (person_refs and clause ids only), or None."""
        closed = closed_gates(referral, self.book, row.provider, row.persons, self.today())
        return "consent gate closed: " + "; ".join(closed) if closed else None


@dataclass
class WebhookChannel:
    endpoints: dict[str, Endpoint]
    fields: dict[str, list[str]]
    intake: IntakeClient
    http: httpx.AsyncClient
    today: Callable[[], date]
    gate: ConsentGate
    missing = "no webhook endpoint configured"

    def configured(self, provider: str) -> bool:
        return provider in self.endpoints

    async def attempt(self, row) -> Attempt:
        try:
            referral = await self.intake.document(row.referral_id)
            closed = self.gate.closed(row, referral)
            if closed:
                return Attempt(cancelled=closed)
            body = self._body(row, referral)
        except DocumentUnavailable as exc:
            return Attempt(error=str(exc))
        except Exception as exc:  # a document this code cannot project: count it, so it ends visibly dead
            error = f"could not assemble the payload: {type(exc).__name__}"
            # Type only: the message of an error about a document may quote what is in it.
            log.error(error, extra={"webhook_id": row.webhook_id, "provider": row.provider})
            return Attempt(error=error)
        return await self.post(row.provider, row.webhook_id, body)

    async def post(self, provider: str, webhook_id: str, body: bytes) -> Attempt:
        """Sign `body` and send it to the provider's endpoint; its answer as an Attempt."""
        endpoint = self.endpoints[provider]
        try:
            response = await self.http.post(endpoint.webhook_url, content=body,
                                            headers=webhook_headers(endpoint.key, webhook_id, int(time.time()), body))
        except httpx.HTTPError as exc:
            return Attempt(error=f"{type(exc).__name__}: {exc}"[:300])
        code = response.status_code
        if is_acknowledged(code):
            return Attempt(code)
        return Attempt(code, f"HTTP {code}", _seconds(response.headers.get("retry-after")))

    def _body(self, row, referral: HouseholdReferral) -> bytes:
        on = self.today()
        projected = project(referral, row.persons, self.fields.get(row.provider, ()), on)
        return webhook_body(row, projected, repo.utc(row.raised_at), on)


@dataclass
class EmailChannel:
    """A message carrying the provider referral id and a link to the inbox page, nothing else: the
    intake's document is fetched only to ask the consent gate."""
    server: SmtpServer | None
    mailboxes: dict[str, str]
    inbox_base_url: str
    intake: IntakeClient
    gate: ConsentGate
    missing = "no email address or SMTP server configured"

    def configured(self, provider: str) -> bool:
        return self.server is not None and provider in self.mailboxes

    async def attempt(self, row) -> Attempt:
        try:
            closed = self.gate.closed(row, await self.intake.document(row.referral_id))
        except DocumentUnavailable as exc:
            return Attempt(error=str(exc))
        if closed:
            return Attempt(cancelled=closed)
        return await self.send(referral_notice(row, self.inbox_base_url, self.server.sender,
                                               self.mailboxes[row.provider]))

    async def send(self, message) -> Attempt:
        try:
            return Attempt(await self.server.send(message))
        except MailNotSent as exc:
            return Attempt(exc.code, str(exc))


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP-date; the backoff schedule is good enough
