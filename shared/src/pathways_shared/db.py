"""Database engines for SQLite (embedded default) and PostgreSQL (production), one URL away."""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import MetaData, event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# The plumbing tables (outbox, processed_messages) are defined once, here; each service gets its
# own copy in its own database via create_plumbing_tables() or include_plumbing_tables().
plumbing_metadata = MetaData()


def normalise_url(url: str) -> str:
    """Accept the usual spellings and pick the async drivers this project installs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    return url


SQLITE_CACHE_KIB = 64 * 1024
SQLITE_HEAP_MIB = 32  # all of a process's SQLite connections together (PRAGMA soft_heap_limit)


def json_text(value: Any) -> str:
    """JSON columns' serializer: orjson, several times faster than the standard library on the
    intake's copies of the router's explanations; the standard library for what orjson refuses
    (an integer beyond 64 bits), so anything storable before still is."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def make_engine(url: str, **kwargs) -> AsyncEngine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", json_text)
    # A failed statement's error is logged or printed: it must not carry the values being written
    # (referral documents, sealed fields).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL lets several service processes share a file
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not every commit: still never corrupt, and a
            # commit is lost only to a power cut, not to a crashed process (fsync cost ~3 ms a commit).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # A page cache of up to 64 MiB a connection (SQLite's default is 2 MiB): rows keyed by
            # random ids (HMAC referral ids, pseudonyms) land on random pages, and once a table
            # outgrows the cache every insert reads its page back from the file. Grown only as used.
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            # The pool opens several connections, each with its own cache: past this process-wide
            # limit SQLite reuses cached pages instead of taking more, so its share of a service's
            # memory stays near the limit however large the database grows (a write transaction's
            # dirty pages cannot be reused until it commits; measured in bench/feed.py).
            cur.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_MIB * 2**20}")
            cur.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _plumbing_loaded() -> MetaData:
    from . import inbox, outbox  # noqa: F401  (importing them defines their tables)
    return plumbing_metadata


def include_plumbing_tables(metadata: MetaData) -> None:
    """Copy the outbox and processed_messages tables into a service's own MetaData (for its
    create_all or migrations). The shared helpers work on the copies: same name, same columns."""
    for table in _plumbing_loaded().tables.values():
        if table.name not in metadata.tables:
            table.to_metadata(metadata)


async def create_plumbing_tables(engine: AsyncEngine) -> None:
    """Create the outbox and processed_messages tables if they do not exist yet."""
    async with engine.begin() as conn:
        await conn.run_sync(_plumbing_loaded().create_all)


async def lock_for_change(conn: AsyncConnection, name: str) -> None:
    """Serialise the transactions that check and then change the thing `name` names, so that two
    at once cannot both pass the check. Call it first in the transaction.

    PostgreSQL: a transaction-scoped advisory lock on the name. SQLite: write_first."""
    if conn.dialect.name == "postgresql":
        await hold_for_change(conn, [name])
    else:
        await write_first(conn)


async def hold_for_change(conn: AsyncConnection, names: Iterable[str]) -> None:
    """lock_for_change's PostgreSQL locks on several names at once: taken in one order, so that
    transactions holding several cannot deadlock, and allowed after the transaction's first write
    (though before what they guard is read). Nothing on SQLite, where the transaction's first
    write, or write_first, already holds the database's one write lock."""
    if conn.dialect.name == "postgresql":
        for key in sorted({zlib.crc32(name.encode()) for name in names}):
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def write_first(conn: AsyncConnection) -> None:
    """On SQLite, begin the transaction IMMEDIATE: it holds the database's one write lock from
    before its first read (the driver otherwise reads outside any transaction until the first
    write, so two transactions can both read before either writes). Call it first in the
    transaction. Elsewhere nothing: there a row's own lock (FOR UPDATE) serves."""
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
