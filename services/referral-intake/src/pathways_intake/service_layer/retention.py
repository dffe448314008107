"""Retention: each kind of record the intake holds is kept for its period, then ended by
the intake's daily purge job, or `pathways purge` (a dry run counts what would go). Personal data ends by crypto-shredding and by
removing the rows that carry it in clear; what is left is countable and names nobody.

- closed referral: every provider referral settled (delivered or failed, and closed by its
  provider if it said anything) and no activity for the period → its sealed fields are deleted;
  a person's data key is shredded once none of their fields is left anywhere.
- caseload rejection: the row's raw text is blanked (its line, problems and status stay).
- HMPPS inbox message, once settled: its raw body is blanked (its id stays, so a redelivery
  is still recognised). Unresolved messages keep theirs until they settle.
- access audit row: deleted (the database refuses sooner than six years).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.contracts.lifecycle import OPEN
from pathways_shared.periodic import Periodic

from ..adapters.protected import ProtectedStore
from ..adapters.tables import (
    access_audit, deliveries, feed_rejections, hmpps_inbox, person_keys, personal_fields, referrals, routings,
)

log = logging.getLogger("pathways_intake.retention")
SETTLED_INBOX = ("applied", "skipped", "failed")
PURGED = ""  # what a blanked raw column holds


@dataclass(frozen=True)
class Periods:
    closed_referral: timedelta
    feed_rejection: timedelta
    hmpps_inbox: timedelta
    audit: timedelta

    @classmethod
    def of(cls, settings) -> "Periods":
        return cls(*(timedelta(days=getattr(settings, f"retention_{kind}_days"))
                     for kind in ("closed_referral", "feed_rejection", "hmpps_inbox", "audit")))


def _aware(moment: datetime | None, now: datetime) -> datetime | None:
    return moment.replace(tzinfo=now.tzinfo) if moment is not None and moment.tzinfo is None else moment


async def closed_referrals(conn, cutoff: datetime, now: datetime) -> list:
    """Referrals still holding sealed fields, settled, and untouched since `cutoff`."""
    candidates = (await conn.execute(
        select(referrals.c.referral_id, referrals.c.updated_at, routings.c.routed_at)
        .outerjoin(routings, routings.c.referral_id == referrals.c.referral_id)
        .where(referrals.c.updated_at < cutoff,
               referrals.c.referral_id.in_(select(personal_fields.c.referral_id).distinct())))).all()
    if not candidates:
        return []
    raised: dict = {}
    for row in await conn.execute(select(deliveries).where(deliveries.c.referral_id.in_(
            [c.referral_id for c in candidates]))):
        raised.setdefault(row.referral_id, []).append(row)
    closed = []
    for c in candidates:
        rows = raised.get(c.referral_id, [])
        still_open = any(r.delivery == "pending" or getattr(r, "status", None) in OPEN for r in rows)
        moments = [c.updated_at, c.routed_at, *(r.updated_at for r in rows),
                   *(getattr(r, "status_changed_at", None) for r in rows)]
        last = max(_aware(m, now) for m in moments if m is not None)
        if not still_open and last < cutoff:
            closed.append(c.referral_id)
    return closed


async def purge(engine: AsyncEngine, store: ProtectedStore, periods: Periods, now: datetime, *,
                dry_run: bool) -> dict[str, int]:
    """Counts per kind of record ended (or, in a dry run, that would be)."""
    async with engine.begin() as conn:
        closed = await closed_referrals(conn, now - periods.closed_referral, now)
        rejections = (feed_rejections.c.created_at < now - periods.feed_rejection) & (feed_rejections.c.raw != PURGED)
        inbox = ((hmpps_inbox.c.received_at < now - periods.hmpps_inbox) & (hmpps_inbox.c.raw != PURGED)
                 & hmpps_inbox.c.status.in_(SETTLED_INBOX))
        old_reads = access_audit.c.read_at < now - periods.audit
        counts = {"closed_referrals": len(closed)}
        if dry_run:
            for kind, table, where in (("feed_rejections", feed_rejections, rejections),
                                       ("hmpps_inbox_messages", hmpps_inbox, inbox),
                                       ("audit_entries", access_audit, old_reads)):
                counts[kind] = (await conn.execute(select(func.count()).select_from(table).where(where))).scalar_one()
            return counts
        if closed:
            await conn.execute(delete(personal_fields).where(personal_fields.c.referral_id.in_(closed)))
        # A key none of whose fields is left anywhere has nothing more to open.
        orphaned = select(person_keys.c.key_id).where(
            person_keys.c.wrapped.is_not(None), ~person_keys.c.key_id.in_(select(personal_fields.c.key_id)))
        counts["data_keys_shredded"] = await store.shred_keys(conn, list((await conn.execute(orphaned)).scalars()),
                                                              "retention")
        counts["feed_rejections"] = (await conn.execute(update(feed_rejections).where(rejections)
                                                        .values(raw=PURGED))).rowcount
        counts["hmpps_inbox_messages"] = (await conn.execute(update(hmpps_inbox).where(inbox)
                                                             .values(raw=PURGED))).rowcount
        counts["audit_entries"] = (await conn.execute(delete(access_audit).where(old_reads))).rowcount
    return counts


@dataclass
class RetentionPurge(Periodic):
    """The purge as a job of the running intake, so retention holds without anyone running it."""
    engine: AsyncEngine
    store: ProtectedStore
    periods: Periods
    poll_seconds: float = 86_400.0
    task_name = "retention-purge"

    async def run_due(self) -> int:
        counts = await purge(self.engine, self.store, self.periods, datetime.now(UTC), dry_run=False)
        log.info("retention purge", extra={"counts": counts})  # counts only: nothing that names anyone
        return sum(counts.values())
