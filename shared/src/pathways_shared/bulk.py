"""Writing many rows with the same columns at once: a router batch's staged rows, a caseload
chunk's sealed fields (tens of thousands of rows a statement).

SQLAlchemy prepares an executemany's parameters row by row, which for rows this small cost more
than SQLite's own work. On SQLite the statement is compiled once, values are converted a column
at a time by each column's own bind processor (bytes and values needing none go as they are),
and the rows go to the driver. Elsewhere, and whenever SQLAlchemy would add a value of its own
(a column default), SQLAlchemy's own executemany writes them.
"""
from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Date, LargeBinary, Uuid
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert(conn: AsyncConnection, table, rows: list[dict], *, keep_existing: bool = False) -> None:
    """Insert the rows; with `keep_existing`, one whose key is taken is left out (ON CONFLICT DO NOTHING)."""
    await write(conn, table, rows, ("keep",) if keep_existing else ("insert",))


async def upsert(conn: AsyncConnection, table, rows: list[dict], keys: list[str]) -> None:
    """Insert the rows, replacing those with the same `keys`."""
    await write(conn, table, rows, ("upsert", tuple(keys)))


async def insert_columns(conn: AsyncConnection, table, columns: dict[str, list]) -> None:
    """insert() for rows given column by column: columns[name][i] is row i's value (every list as long)."""
    names = tuple(columns)
    if not names or not columns[names[0]]:
        return
    plan = _driver_plan(conn, table, ("insert",), names) if conn.dialect.name == "sqlite" else None
    if plan is None:
        await conn.execute(table.insert(), [dict(zip(names, values)) for values in zip(*columns.values())])
        return
    await _send(conn, plan, [columns[name] for name in plan[1]])


async def write(conn: AsyncConnection, table, rows: list[dict], kind: tuple) -> None:
    """The rows by `kind` of statement: ("upsert", keys), ("insert",) or ("keep",)."""
    if not rows:
        return
    plan = _driver_plan(conn, table, kind, tuple(rows[0])) if conn.dialect.name == "sqlite" else None
    if plan is None:
        await conn.execute(statement(conn, table, kind), rows)
        return
    names = plan[1]
    columns = zip(*map(itemgetter(*names), rows)) if len(names) > 1 else [[row[names[0]] for row in rows]]
    await _send(conn, plan, list(columns))


def statement(conn: AsyncConnection, table, kind: tuple):
    """SQLAlchemy's statement for a `kind` of write (what the driver path compiles)."""
    dialect_insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    if kind[0] == "upsert":
        keys = list(kind[1])
        updates = {c.name: dialect_insert.excluded[c.name] for c in table.columns if c.name not in keys}
        return dialect_insert.on_conflict_do_update(index_elements=keys, set_=updates)
    return dialect_insert.on_conflict_do_nothing() if kind[0] == "keep" else table.insert()


async def _send(conn: AsyncConnection, plan: tuple, columns: list) -> None:
    sql, _names, processors = plan
    # A column at a time, so only the values that need it are processed, each by a call of its own.
    await conn.exec_driver_sql(sql, list(zip(*[list(map(p, column)) if p else column
                                               for column, p in zip(columns, processors)])))


_PLANS: dict[tuple, tuple | None] = {}


def _driver_plan(conn: AsyncConnection, table, kind: tuple, given: tuple[str, ...]) -> tuple | None:
    """The statement's SQL for rows with the columns `given`, its parameters in order, and each
    one's bind processor (None: passed as it is). None when SQLAlchemy would add a value of its
    own (a column default): it writes those rows."""
    dialect = conn.dialect
    plan_key = (table, kind, given, dialect)
    if plan_key not in _PLANS:
        compiled = statement(conn, table, kind).compile(dialect=dialect, column_keys=list(given))
        names = list(compiled.positiontup)
        _PLANS[plan_key] = (str(compiled), names, [_bind(table.c[n].type, dialect) for n in names]) \
            if set(names) <= set(given) else None
    return _PLANS[plan_key]


def _bind(column_type, dialect):
    """The column's bind processor; none for bytes (every driver stores them as binary without
    SQLAlchemy's wrapper); not repeated for what a batch repeats (a household's rows share its id
    and dates: the same objects)."""
    if isinstance(column_type, LargeBinary):
        return None
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and isinstance(column_type, (Uuid, Date)):
        return _same_as_last(process)
    return process


_NOTHING = object()


def _same_as_last(process):
    """`process` of an immutable value, not repeated for the same object as the previous call's.
    The value and its result are kept as one pair, so a reader never sees one without the other."""
    last = [(_NOTHING, None)]

    def cached(value):
        seen, out = last[0]
        if seen is not value:
            out = process(value)
            last[0] = (value, out)
        return out
    return cached
