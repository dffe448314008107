"""Streaming the ledger's events to a fold, fast: one query, a raw driver cursor read in large
pages (server-side on PostgreSQL), and each payload decoded with orjson only when it is wanted.

An event whose information is not wanted (a type the reader ignores, or outside the window its
type is wanted in) still comes back, with an empty dict, so a fold can count it: the database
leaves its payload out, and decoding payloads is nearly all of the cost. Shapes are checked
cheaply, not validated again: the ledger only appends envelopes it has validated.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_ledger.adapters.schema import TABLE

Event = tuple[str, datetime, dict]
PAGE_SIZE = 10_000
_NOT_READ: dict = {}  # shared by every event left unread: nobody may write into it
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime on SQLite: it sorts as time does


def information(payload: str | bytes | None) -> dict:
    """An envelope's additionalInformation; an empty dict when it has none (or was not read)."""
    if payload is None:
        return _NOT_READ
    info = orjson.loads(payload).get("additionalInformation")
    return info if isinstance(info, dict) else {}


async def read_events(engine: AsyncEngine, event_types: Iterable[str], *, upto_seq: int,
                      wanted: Mapping[str, datetime | None] | None = None, before: datetime | None = None,
                      page_size: int = PAGE_SIZE) -> AsyncIterator[list[Event]]:
    """Pages of (event type, occurred at, additionalInformation) of ``event_types`` in seq order up
    to ``upto_seq``. With ``wanted`` (event type → the instant its information is wanted from, or
    None for all history), only those types carry information; with ``before``, only events
    occurring before it. The others carry an empty dict."""
    types = sorted(set(event_types))
    if not types:
        return
    if wanted is None:
        wanted = dict.fromkeys(types)
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        if engine.dialect.name == "sqlite":
            pages = _sqlite_pages(driver, types, wanted, upto_seq, before, page_size)
        elif engine.dialect.name == "postgresql":
            pages = _postgresql_pages(driver, types, wanted, upto_seq, before, page_size)
        else:
            raise NotImplementedError(f"no event reader written for {engine.dialect.name}")
        async for page in pages:
            yield page


def _windows(types: list[str], wanted: Mapping[str, datetime | None]) -> list[tuple[datetime | None, list[str]]]:
    """The wanted types grouped by the instant they are wanted from."""
    grouped = defaultdict(list)
    for kind in types:
        if kind in wanted:
            grouped[wanted[kind]].append(kind)
    return sorted(grouped.items(), key=lambda item: item[0] or datetime.min.replace(tzinfo=UTC))


def _condition(windows, before, type_in, since, until) -> str:
    """SQL true when an event's information is wanted: a type in its window, and before ``before``."""
    parts = [f"({type_in(kinds)}{'' if start is None else ' AND ' + since(start)})" for start, kinds in windows]
    found = " OR ".join(parts) or "FALSE"
    return f"({found})" if before is None else f"({found}) AND {until(before)}"


async def _sqlite_pages(db, types, wanted, upto_seq, before, page_size) -> AsyncIterator[list[Event]]:
    """aiosqlite: one SELECT is one read snapshot. The next page is fetched in the driver's thread
    while this one is decoded (SQLite steps without holding the GIL)."""
    params: list = []

    def bound(*values) -> str:
        params.extend(values)
        return ", ".join("?" * len(values))

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).replace(tzinfo=None).strftime(_SQLITE_TIME)

    condition = _condition(_windows(types, wanted), before, lambda kinds: f"event_type IN ({bound(*kinds)})",
                           lambda start: f"occurred_at >= {bound(stamp(start))}",
                           lambda end: f"occurred_at < {bound(stamp(end))}")
    query = (f"SELECT event_type, occurred_at || '+00:00', CASE WHEN {condition} THEN payload END FROM {TABLE} "
             f"WHERE seq <= {bound(upto_seq)} AND event_type IN ({bound(*types)}) ORDER BY seq")
    parse = datetime.fromisoformat  # of "… +00:00": several times faster than .replace(tzinfo=UTC)
    async with db.execute(query, params) as cursor:
        pending = asyncio.ensure_future(cursor.fetchmany(page_size))
        try:
            while rows := await pending:
                pending = asyncio.ensure_future(cursor.fetchmany(page_size))
                yield [(kind, parse(at), information(payload)) for kind, at, payload in rows]
        finally:
            if not pending.done():
                await asyncio.wait([pending])  # the cursor closes after the fetch in flight


async def _postgresql_pages(db, types, wanted, upto_seq, before, page_size) -> AsyncIterator[list[Event]]:
    """psycopg: a server-side cursor, so the client holds one page at a time, never the ledger."""
    params: dict = {}

    def bound(value) -> str:
        params[f"p{len(params)}"] = value
        return f"%(p{len(params) - 1})s"

    condition = _condition(_windows(types, wanted), before,
                           lambda kinds: f"event_type = ANY({bound(list(map(str, kinds)))}::text[])",
                           lambda start: f"occurred_at >= {bound(start)}", lambda end: f"occurred_at < {bound(end)}")
    query = (f"SELECT event_type, occurred_at, CASE WHEN {condition} THEN payload END FROM {TABLE} "
             f"WHERE seq <= {bound(upto_seq)} AND event_type = ANY({bound(list(map(str, types)))}::text[]) "
             f"ORDER BY seq")
    utc = UTC
    async with db.cursor(name="pathways_ledger_events") as cursor:
        cursor.itersize = page_size
        await cursor.execute(query, params)
        while rows := await cursor.fetchmany(page_size):
            yield [(kind, at.astimezone(utc), information(payload)) for kind, at, payload in rows]
