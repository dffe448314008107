"""A batch of routing work against the router's state in a few statements: what the batch's
households need is read with one IN (...) select per table before any is routed, every change is
kept in memory (so a later event in the batch sees an earlier one's), and all are written at the
end with a bulk statement or two per table. Loaded and flushed inside one caller-owned transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import delete, select

from pathways_shared.bulk import insert, upsert
from pathways_shared.events import DomainEvent, encode_event
from pathways_shared.outbox import outbox
from pathways_shared.telemetry import correlation_id as current_correlation_id

from .tables import (
    awaiting_capacity, duplicate_presentations, households, open_referrals, provider_capacity, raised,
    reevaluations, triage,
)


@dataclass
class Staged:
    households: dict[uuid.UUID, dict] = field(default_factory=dict)
    capacity: dict[str, dict] = field(default_factory=dict)
    open: dict[str, list[dict]] = field(default_factory=dict)  # pseudonym → open provider referrals, oldest first
    open_keys: set[tuple] = field(default_factory=set)
    raised: dict[uuid.UUID, dict] = field(default_factory=dict)
    duplicates: set[tuple] = field(default_factory=set)
    queued: dict[tuple, dict] = field(default_factory=dict)  # (queue, referral) → {(…): queued_at}
    # What the batch changed, written by flush().
    saved_households: dict[uuid.UUID, dict] = field(default_factory=dict)
    saved_raised: dict[uuid.UUID, dict] = field(default_factory=dict)
    triage: dict[uuid.UUID, list[dict]] = field(default_factory=dict)
    reevaluations: dict[uuid.UUID, list[dict]] = field(default_factory=dict)
    awaiting: dict[uuid.UUID, list[dict]] = field(default_factory=dict)
    opened: list[dict] = field(default_factory=list)
    new_duplicates: list[dict] = field(default_factory=list)
    outbox: list[dict] = field(default_factory=list)

    @classmethod
    async def load(cls, conn, referral_ids: set[uuid.UUID], pseudonyms: set[str],
                   provider_referral_ids: set[uuid.UUID]) -> "Staged":
        """Everything routing these households reads (their persons: `pseudonyms` and those stored)."""
        ids, pseudonyms = list(referral_ids), set(pseudonyms)
        staged = cls()
        if ids:
            for r in await conn.execute(select(households).where(households.c.referral_id.in_(ids))):
                staged.households[r.referral_id] = dict(r._mapping)
                pseudonyms |= set(r.pseudonyms.values())
            for r in await conn.execute(select(triage).where(triage.c.referral_id.in_(ids))):
                staged.queued.setdefault(("triage", r.referral_id), {})[(r.person_ref, r.provider)] = r.queued_at
            for r in await conn.execute(select(awaiting_capacity).where(awaiting_capacity.c.referral_id.in_(ids))):
                staged.queued.setdefault(("awaiting", r.referral_id), {})[(r.provider, r.person_ref)] = r.queued_at
            dup = duplicate_presentations.c
            for r in await conn.execute(select(dup.referral_id, dup.provider, dup.person_ref,
                                               dup.open_provider_referral_id).where(dup.referral_id.in_(ids))):
                staged.duplicates.add(tuple(r))
        staged.capacity = {r.provider: dict(r._mapping) for r in await conn.execute(select(provider_capacity))}
        wanted = [p for p in pseudonyms if p]
        if wanted:
            for r in await conn.execute(select(open_referrals).where(open_referrals.c.pseudonym.in_(wanted))
                                        .order_by(open_referrals.c.opened_at)):
                staged.open.setdefault(r.pseudonym, []).append(dict(r._mapping))
                staged.open_keys.add((r.provider_referral_id, r.pseudonym))
        if provider_referral_ids:
            for r in await conn.execute(select(raised.c.provider_referral_id, raised.c.revision, raised.c.persons)
                                        .where(raised.c.provider_referral_id.in_(list(provider_referral_ids)))):
                staged.raised[r.provider_referral_id] = {"revision": r.revision, "persons": r.persons}
        return staged

    def save_household(self, referral_id: uuid.UUID, revision: int, view: dict, pseudonyms: dict) -> None:
        row = {"referral_id": referral_id, "revision": revision, "routing_view": view, "pseudonyms": pseudonyms,
               "routed_at": datetime.now(UTC)}
        self.households[referral_id] = self.saved_households[referral_id] = row

    def open_for(self, pseudonyms) -> list[dict]:
        return [row for p in pseudonyms if p for row in self.open.get(p, ())]

    def queued_at(self, queue: str, referral_id: uuid.UUID) -> dict[tuple, datetime]:
        """When each of the referral's rows in a queue (triage, awaiting) joined it."""
        return self.queued.get((queue, referral_id), {})

    def replace(self, which: dict, referral_id: uuid.UUID, rows: list[dict], queue: str | None = None,
                key=None) -> None:
        """The referral's rows of a replace-all table; with `queue`, their queued_at is kept for later events."""
        which[referral_id] = rows
        if queue:
            self.queued[(queue, referral_id)] = {key(r): r["queued_at"] for r in rows}

    def save_raised(self, provider_referral_id, referral_id, provider, revision, persons) -> None:
        self.raised[provider_referral_id] = {"revision": revision, "persons": persons}
        self.saved_raised[provider_referral_id] = {
            "provider_referral_id": provider_referral_id, "referral_id": referral_id, "provider": provider,
            "revision": revision, "persons": persons, "raised_at": datetime.now(UTC)}

    def record_open(self, provider_referral_id, referral_id, provider, subjects: dict[str, str]) -> None:
        for ref, pseudonym in subjects.items():
            if pseudonym and (provider_referral_id, pseudonym) not in self.open_keys:
                row = {"provider_referral_id": provider_referral_id, "pseudonym": pseudonym, "provider": provider,
                       "referral_id": referral_id, "person_ref": ref, "opened_at": datetime.now(UTC)}
                self.open_keys.add((provider_referral_id, pseudonym))
                self.open.setdefault(pseudonym, []).append(row)
                self.opened.append(row)

    def record_duplicate(self, referral_id, provider, person_ref, pseudonym, open_id) -> bool:
        key = (referral_id, provider, person_ref, open_id)
        if key in self.duplicates:
            return False
        self.duplicates.add(key)
        self.new_duplicates.append({"referral_id": referral_id, "provider": provider, "person_ref": person_ref,
                                    "pseudonym": pseudonym, "open_provider_referral_id": open_id,
                                    "recorded_at": datetime.now(UTC)})
        return True

    def add_to_outbox(self, event: DomainEvent, topic: str) -> None:
        """As pathways_shared.outbox.add_to_outbox would store it, with the correlation id current now."""
        self.outbox.append({"event_id": event.eventId, "event_type": str(event.eventType), "topic": topic,
                            "message_key": str(event.referralId), "payload": encode_event(event),
                            "correlation_id": current_correlation_id.get(), "created_at": datetime.now(UTC)})

    async def flush(self, conn) -> None:
        await upsert(conn, households, list(self.saved_households.values()), ["referral_id"])
        for table, replaced in ((triage, self.triage), (reevaluations, self.reevaluations),
                                (awaiting_capacity, self.awaiting)):
            if replaced:
                await conn.execute(delete(table).where(table.c.referral_id.in_(list(replaced))))
                await insert(conn, table, [r for rows in replaced.values() for r in rows])
        await upsert(conn, raised, list(self.saved_raised.values()), ["provider_referral_id"])
        await insert(conn, open_referrals, self.opened, keep_existing=True)
        await insert(conn, duplicate_presentations, self.new_duplicates, keep_existing=True)
        await insert(conn, outbox, self.outbox)


def due_rows(referral_id: uuid.UUID, due: set[date]) -> list[dict]:
    return [{"referral_id": referral_id, "due_on": d} for d in sorted(due)]
