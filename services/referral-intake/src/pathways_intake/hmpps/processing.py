"""What the intake does with an HMPPS domain event: keep it, then act on it at most once.

A message is stored in the inbox in its own transaction before anything else. Then the event is
decoded, its case looked up in the probation case source, and the stage change applied to the
case through apply_case, which announces ReferralUpdated so the router re-routes the household.
A case that cannot be looked up yet is left unresolved and retried with backoff, never dropped.
Logs and stored errors name the message id and event type only, never the person.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from prometheus_client import Counter

from pathways_shared.contracts.vocabulary import Stage
from pathways_shared.events import MalformedEvent
from pathways_shared.inbox import DEAD_LETTER_ERRORS, describe_error

from ..adapters import repository as repo
from ..domain.case_key import case_referral_id
from ..service_layer.cases import apply_case
from ..service_layer.intake import IntakeService
from . import inbox
from .cases import CaseRecord, CaseSourceUnavailable, ProbationCaseSource, household_referral
from .inbox import InboxStatus, utc_now
from .messages import CaseIdentifiers, HmppsEvent, case_identifiers, decode, identify
from .stages import ACTED_ON, CaseStage, acted_on, stage_after

log = logging.getLogger("pathways_intake.hmpps")
# Labelled by event type only when it is one we act on, so a stranger's types cannot grow it.
HANDLED = Counter("pathways_intake_hmpps_events_total", "HMPPS domain events by type and how they ended",
                  ["event_type", "status"])


class CaseUnresolved(Exception):
    """The event's case cannot be settled yet; the message says why, naming nobody."""


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    longest_delay: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """Doubling after each failed attempt (1, 2, 3, ...), up to the longest delay."""
        return min(self.first_delay * 2 ** min(max(attempts - 1, 0), 30), self.longest_delay)


@dataclass
class ProbationEvents:
    service: IntakeService
    source: ProbationCaseSource | None
    retry: RetryPolicy = RetryPolicy()

    async def receive(self, raw: bytes) -> InboxStatus:
        """Keep the message, then process it unless it was seen before. Raises MalformedEvent
        for a message that can never be processed (the subscriber dead-letters it)."""
        identified = identify(raw)
        async with self.service.engine.begin() as conn:
            await inbox.record_received(conn, identified.message_id, raw.decode("utf-8", errors="replace"),
                                        identified.event_type, utc_now())
        async with self.service.engine.connect() as conn:
            row = await inbox.load(conn, identified.message_id)
        if row.status == InboxStatus.failed:
            raise MalformedEvent(row.last_error or "malformed")  # dead-lettered again, never silently
        if row.status != InboxStatus.received:
            return InboxStatus(row.status)  # a duplicate: applied, skipped or awaiting its retry already
        return await self.process(row, raw)

    async def process(self, row, raw: bytes | None = None) -> InboxStatus:
        """Act on a kept message (first time, with its bytes as received: the inbox keeps text; or
        a retry of an unresolved one)."""
        attempts = row.attempts + 1
        try:
            event = decode(row.raw if raw is None else raw)
        except DEAD_LETTER_ERRORS as exc:
            reason = describe_error(exc)
            await self._settle(row, InboxStatus.failed, attempts=attempts, error=reason)
            raise MalformedEvent(reason) from None
        if not acted_on(event.eventType):
            return await self._settle(row, InboxStatus.skipped, attempts=attempts, outcome="not acted on")
        occurred, identifiers = {"occurred_at": event.occurredAt}, case_identifiers(event)
        if not identifiers:   # nothing kept can ever name the case: a retry could not help
            return await self._settle(row, InboxStatus.skipped, attempts=attempts, outcome="names no person",
                                      **occurred)
        try:
            record = await self._case(identifiers)
            case_id = case_referral_id(record.crn, self.service.pseudonym_key)
            async with self.service.engine.connect() as conn:
                newest = await inbox.newest_applied(conn, case_id)
                stored = await repo.load_referral(conn, case_id)
            # Events arrive out of order (a retried one, unkeyed messages on different partitions):
            # one older than an event already applied would put back a stage the person has left.
            if newest is not None and newest > event.occurredAt:
                return await self._settle(row, InboxStatus.skipped, attempts=attempts, outcome="superseded",
                                          referral_id=case_id, **occurred)
            referral = self._referral(event, record, row, stored)
        except CaseUnresolved as exc:
            next_attempt = utc_now() + self.retry.delay(attempts)
            return await self._settle(row, InboxStatus.unresolved, attempts=attempts, error=str(exc),
                                      next_attempt_at=next_attempt, **occurred)
        if referral is None:
            return await self._settle(row, InboxStatus.skipped, attempts=attempts, outcome="no stage change",
                                      **occurred)
        applied = await apply_case(self.service, referral, cause=event.eventType)
        return await self._settle(row, InboxStatus.applied, attempts=attempts, outcome=applied.outcome.value,
                                  referral_id=applied.referral_id, **occurred)

    async def _case(self, identifiers: CaseIdentifiers) -> CaseRecord:
        if self.source is None:
            raise CaseUnresolved("no probation case source is configured (PROBATION_CASE_SOURCE)")
        try:
            record = await self.source.get_case(identifiers)
        except CaseSourceUnavailable as exc:
            raise CaseUnresolved(str(exc)) from None
        except Exception as exc:  # a source's own fault must not hold up the events behind this one
            log.error("the probation case source failed", extra={"error": type(exc).__name__})  # not the URL
            raise CaseUnresolved(f"the case source failed ({type(exc).__name__})") from None
        if record is None:
            raise CaseUnresolved("the case source does not know the event's person")
        return record

    def _referral(self, event: HmppsEvent, record: CaseRecord, row, stored):
        """The case at the stage the event puts it in (None: no change); `stored`: the intake's row."""
        known = _stage_of(stored.document["index_person"]) if stored is not None else None
        stage = stage_after(event.eventType, event.additionalInformation, event.occurred_on(), record.stage(), known)
        if stage is None:
            return None
        try:
            return household_referral(record, stage, referred_at=inbox.aware(row.received_at),
                                      case_key=self.service.pseudonym_key,
                                      recorded=stored.document if stored is not None else None)
        except DEAD_LETTER_ERRORS as exc:  # the case's data, not the message, is at fault
            raise CaseUnresolved(f"the case does not make a valid referral: {describe_error(exc)}") from None

    async def _settle(self, row, status: InboxStatus, *, attempts: int, **details) -> InboxStatus:
        async with self.service.engine.begin() as conn:
            await inbox.settle(conn, row.id, status, attempts=attempts, **details)
        kind = row.event_type if row.event_type in ACTED_ON else "other"
        HANDLED.labels(kind, status.value).inc()
        log.log(logging.WARNING if status in (InboxStatus.unresolved, InboxStatus.failed) else logging.INFO,
                "HMPPS event %s", status.value, extra={
                    "inbox_id": row.id, "event_type": row.event_type, "attempts": attempts,
                    "outcome": details.get("outcome"), "reason": details.get("error"),
                    "referral_id": str(details["referral_id"]) if details.get("referral_id") else None})
        return status


def _stage_of(index_person: dict) -> CaseStage:
    released = index_person.get("release_date")
    return CaseStage(Stage(index_person["stage"]), date.fromisoformat(released) if released else None)
