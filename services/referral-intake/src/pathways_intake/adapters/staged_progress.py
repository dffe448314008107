"""The progress projection rows a batch of events touches, in a few statements: read with one
IN (...) select per table, changed in memory in event order (so a later event sees an earlier
one's change), written back at the end with a bulk statement or two per table, all inside one
caller-owned transaction. Each change is exactly the one repository.note_provider_referral,
save_routing and the provider_activity writes make for one event.

The caller records the batch as processed (a write) before loading, so SQLite's write lock is held
from the load to the commit; PostgreSQL locks the loaded provider referral rows (FOR UPDATE). A
row another consumer inserted after the load makes the flush fail, and the batch is delivered
again (rather than overwrite what that consumer wrote)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, select, update

from .provider_activity import REQUESTED
from .repository import dialect_insert
from .tables import deliveries, routings

_DELIVERY = [c.name for c in deliveries.columns if c.name != "provider_referral_id"]
_ROUTING = [c.name for c in routings.columns if c.name != "referral_id"]


class ConcurrentProgress(RuntimeError):
    """Another consumer created a provider referral row this batch meant to create: retry the batch."""


@dataclass
class StagedProgress:
    sqlite: bool
    revisions: dict[uuid.UUID, int] = field(default_factory=dict)  # referral_id → stored routing revision
    rows: dict[uuid.UUID, dict] = field(default_factory=dict)      # provider_referral_id → delivery row
    stored: set[uuid.UUID] = field(default_factory=set)            # rows that existed when loaded
    changed: set[uuid.UUID] = field(default_factory=set)
    saved_routings: dict[uuid.UUID, dict] = field(default_factory=dict)

    @classmethod
    async def load(cls, conn, referral_ids: set[uuid.UUID], provider_referral_ids: set[uuid.UUID]):
        staged = cls(conn.dialect.name == "sqlite")
        if referral_ids:  # only the revision: a routing's decisions are never read back here
            staged.revisions = dict((await conn.execute(select(routings.c.referral_id, routings.c.revision)
                                     .where(routings.c.referral_id.in_(list(referral_ids))))).all())
        if provider_referral_ids:
            query = select(deliveries).where(deliveries.c.provider_referral_id.in_(list(provider_referral_ids)))
            for r in await conn.execute(query if staged.sqlite else query.with_for_update()):
                staged.rows[r.provider_referral_id] = dict(r._mapping)
            staged.stored = set(staged.rows)
        return staged

    def routing_revision(self, referral_id: uuid.UUID) -> int | None:
        return self.revisions.get(referral_id)

    def save_routing(self, referral_id, revision: int, as_of: date, rulebook_version: str, decisions) -> None:
        self.revisions[referral_id] = revision
        self.saved_routings[referral_id] = {"referral_id": referral_id, "revision": revision, "as_of": as_of,
                                            "rulebook_version": rulebook_version, "decisions": decisions,
                                            "routed_at": datetime.now(UTC)}

    def _ensure(self, provider_referral_id, referral_id, provider, delivery=None, attempts=None) -> tuple[dict, bool]:
        """The row, and whether it was created now (with what an insert of the event would hold)."""
        row = self.rows.get(provider_referral_id)
        if row is not None:
            return row, False
        row = dict.fromkeys(_DELIVERY)
        row.update(provider_referral_id=provider_referral_id, referral_id=referral_id, provider=provider,
                   delivery=delivery or "pending", attempts=attempts or 0, updated_at=datetime.now(UTC))
        self.rows[provider_referral_id] = row
        self.changed.add(provider_referral_id)
        return row, True

    def _set(self, provider_referral_id, row: dict, **values) -> None:
        row.update(values)
        self.changed.add(provider_referral_id)

    def note_provider_referral(self, provider_referral_id, referral_id, provider=None, delivery=None,
                               attempts=None) -> None:
        row, created = self._ensure(provider_referral_id, referral_id, provider, delivery, attempts)
        said = {name: value for name, value in (("provider", provider), ("delivery", delivery),
                                                ("attempts", attempts)) if value is not None}
        if not created and said:
            self._set(provider_referral_id, row, **said, updated_at=datetime.now(UTC))

    def note_requested(self, provider_referral_id, delivered_at: datetime) -> None:
        row = self.rows.get(provider_referral_id)
        if row is not None and row["status"] is None:
            self._set(provider_referral_id, row, status=REQUESTED, status_changed_at=delivered_at)

    def note_status(self, provider_referral_id, referral_id, provider, status, reason, changed_at) -> None:
        row, _ = self._ensure(provider_referral_id, referral_id, provider)
        if row["status_changed_at"] is None or self._instant(row["status_changed_at"]) <= self._instant(changed_at):
            self._set(provider_referral_id, row, provider=provider, status=status, status_reason=reason,
                      status_changed_at=changed_at, updated_at=datetime.now(UTC))

    def note_first_contact(self, provider_referral_id, referral_id, provider, contacted_on, method) -> None:
        row, _ = self._ensure(provider_referral_id, referral_id, provider)
        if row["first_contact_on"] is None:
            self._set(provider_referral_id, row, provider=provider, first_contact_on=contacted_on,
                      first_contact_method=method, updated_at=datetime.now(UTC))

    def note_reminder(self, provider_referral_id, referral_id, provider, due_on) -> None:
        row, _ = self._ensure(provider_referral_id, referral_id, provider)
        self._set(provider_referral_id, row, provider=provider, first_contact_due_on=due_on,
                  updated_at=datetime.now(UTC))

    def _instant(self, at: datetime) -> datetime:
        """As the database compares timestamps: SQLite compares the wall-clock text it stores, without
        the offset; PostgreSQL compares instants (a time without an offset taken as UTC)."""
        if self.sqlite:
            return at.replace(tzinfo=None)
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

    async def flush(self, conn) -> None:
        if self.saved_routings:
            stmt = dialect_insert(conn, routings)
            await conn.execute(stmt.on_conflict_do_update(
                index_elements=["referral_id"], set_={c: stmt.excluded[c] for c in _ROUTING}),
                list(self.saved_routings.values()))
        created = [self.rows[i] for i in self.changed if i not in self.stored]
        if created:
            inserted = await conn.execute(
                dialect_insert(conn, deliveries).on_conflict_do_nothing(index_elements=["provider_referral_id"])
                .returning(deliveries.c.provider_referral_id), created)
            if len(inserted.all()) != len(created):
                raise ConcurrentProgress("a provider referral row was created concurrently")
        kept = [{"id_": i, **{f"v_{c}": self.rows[i][c] for c in _DELIVERY}}
                for i in self.changed if i in self.stored]
        if kept:
            await conn.execute(update(deliveries).where(deliveries.c.provider_referral_id == bindparam("id_"))
                               .values({c: bindparam(f"v_{c}") for c in _DELIVERY}), kept)
