"""The chain in the database: appending under a lock, and reading in seq order.

Appends are serialised so two writers can never both extend the same head: on PostgreSQL by a
transaction-scoped advisory lock, on SQLite by ``BEGIN IMMEDIATE`` (the database's one writer
lock, taken before the head is read). Under that lock an append reads the head once, however
many entries it adds, and the unique seq and entry_id columns stay as a backstop.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Callable

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pathways_ledger.adapters.reading import PAGE_SIZE, Event, read_events
from pathways_ledger.adapters.schema import CHAIN_LOCK_KEY, WRITES, ledger_entries
from pathways_ledger.domain.chain import GENESIS_HASH, LedgerEntry, NewEntry, seal

_LOOKUP_CHUNK = 500  # entry ids per IN (...) lookup, well under SQLite's bound-parameter limit


class SqlLedgerStore:
    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine = prepare_engine(engine)
        self._appender = self.engine.execution_options(**{WRITES: True})
        self._clock = clock

    async def append(self, new_entries: Sequence[NewEntry]) -> list[LedgerEntry]:
        """Append in one transaction, in order. An entry id already in the ledger (or earlier in
        ``new_entries``) is not appended again: its existing entry is returned in its place."""
        if not new_entries:
            return []
        async with self._appender.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
                # Plan each lookup afresh: a plan cached while the table was small (a sequential
                # scan) would otherwise be reused as it grows, and appends slow with every row.
                await conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            known = await self._by_entry_id(conn, {new.entry_id for new in new_entries})
            head = await self._head(conn)
            seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
            recorded_at = self._clock()  # read under the lock, so it never runs backwards along seq
            appended, rows = [], []
            for new in new_entries:
                entry = known.get(new.entry_id)
                if entry is None:
                    seq += 1
                    entry = known[new.entry_id] = seal(new, seq=seq, prev_hash=prev_hash, recorded_at=recorded_at)
                    prev_hash = entry.hash
                    rows.append(_row(entry))
                appended.append(entry)
            if rows:
                await conn.execute(ledger_entries.insert(), rows)
        return appended

    async def head(self) -> LedgerEntry | None:
        async with self.engine.connect() as conn:
            return await self._head(conn)

    async def page(self, after_seq: int | None, limit: int) -> list[LedgerEntry]:
        """Up to ``limit`` entries in seq order, after ``after_seq`` (from the very first if None)."""
        query = select(ledger_entries).order_by(ledger_entries.c.seq).limit(limit)
        if after_seq is not None:
            query = query.where(ledger_entries.c.seq > after_seq)
        async with self.engine.connect() as conn:
            return [_entry(row) for row in await conn.execute(query)]

    def events(self, event_types: Iterable[str], *, upto_seq: int, wanted: Mapping[str, datetime | None] | None = None,
               before: datetime | None = None, page_size: int = PAGE_SIZE) -> AsyncIterator[list[Event]]:
        """Pages of (event type, occurred at, additionalInformation) of the given types, in seq
        order up to ``upto_seq``: a fold streams these and never holds the whole ledger. With
        ``wanted`` and ``before``, the others come without their information (see reading)."""
        return read_events(self.engine, event_types, upto_seq=upto_seq, wanted=wanted, before=before,
                           page_size=page_size)

    async def trail(self, referral_id: str) -> list[LedgerEntry]:
        query = (select(ledger_entries).where(ledger_entries.c.referral_id == referral_id)
                 .order_by(ledger_entries.c.seq))
        async with self.engine.connect() as conn:
            return [_entry(row) for row in await conn.execute(query)]

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @staticmethod
    async def _head(conn: AsyncConnection) -> LedgerEntry | None:
        row = (await conn.execute(select(ledger_entries).order_by(ledger_entries.c.seq.desc()).limit(1))).first()
        return _entry(row) if row else None

    @staticmethod
    async def _by_entry_id(conn: AsyncConnection, entry_ids: Iterable[str]) -> dict[str, LedgerEntry]:
        ids, found = sorted(entry_ids), {}
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start:start + _LOOKUP_CHUNK]
            result = await conn.execute(select(ledger_entries).where(ledger_entries.c.entry_id.in_(chunk)))
            found.update((row.entry_id, _entry(row)) for row in result)
        return found


def prepare_engine(engine: AsyncEngine) -> AsyncEngine:
    """On SQLite, take BEGIN from the driver (which would defer it to the first INSERT, after the
    head was read) and begin every transaction explicitly: IMMEDIATE, taking the write lock at
    once, for those marked WRITES. Call before the engine's first connection; again is harmless."""
    sync_engine = engine.sync_engine
    if engine.dialect.name == "sqlite" and not event.contains(sync_engine, "begin", _sqlite_begin):
        event.listen(sync_engine, "connect", _sqlite_driver_leaves_begin_to_us)
        event.listen(sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_driver_leaves_begin_to_us(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITES) else "BEGIN")


def _row(entry: LedgerEntry) -> dict:
    return {"seq": entry.seq, "entry_id": entry.entry_id, "referral_id": entry.referral_id,
            "event_type": entry.event_type, "occurred_at": entry.occurred_at, "recorded_at": entry.recorded_at,
            "payload": entry.payload_json, "prev_hash": entry.prev_hash, "hash": entry.hash}


def _entry(row) -> LedgerEntry:
    return LedgerEntry(seq=row.seq, entry_id=row.entry_id, referral_id=row.referral_id, event_type=row.event_type,
                       occurred_at=row.occurred_at, recorded_at=row.recorded_at, payload_json=row.payload,
                       prev_hash=row.prev_hash, hash=row.hash)
