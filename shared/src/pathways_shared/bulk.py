"""Writing many small rows at once (a caseload chunk's sealed fields: thousands per statement).

SQLAlchemy prepares the parameters of an executemany row by row, which for rows this small costs
more than the database's own work; here each column's conversion is looked up once, values are
converted column by column, and the rows go to the driver as they are.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import LargeBinary, Table
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_rows(conn: AsyncConnection, table: Table, rows: list[dict]) -> None:
    """What `conn.execute(table.insert(), rows)` does, for rows naming only the table's columns
    (a column left out is NULL; the table's columns must have no defaults of their own, nor an
    autoincrementing key)."""
    if rows:
        await insert_columns(conn, table, {c.key: [row.get(c.key) for row in rows] for c in table.columns})


async def insert_columns(conn: AsyncConnection, table: Table, columns: dict[str, list]) -> None:
    """insert_rows for rows given column by column: columns[name][i] is row i's value (every
    list as long; a column not named is NULL)."""
    if table.autoincrement_column is not None or any(
            column.default is not None or column.server_default is not None for column in table.columns):
        raise ValueError(f"{table.name} has column defaults: insert it with SQLAlchemy")
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect)
    converted = {c.key: _converted(columns.get(c.key) or [None] * count, _converter(c.type, dialect))
                 for c in table.columns}
    names = list(compiled.positiontup) if compiled.positional else list(converted)
    params: list = list(zip(*(converted[name] for name in names)))
    if not compiled.positional:
        params = [dict(zip(names, values)) for values in params]
    await conn.exec_driver_sql(compiled.string, params)


def _converted(values: list, convert: Callable | None) -> list:
    if convert is None:
        return values
    out, last, done = [], object(), None
    for value in values:
        if value is not last:  # a referral's or a key's id repeats row after row: converted once
            last, done = value, convert(value)
        out.append(done)
    return out


def _converter(type_, dialect) -> Callable | None:
    """The column type's own conversion of a value for the driver (a UUID's text on SQLite, a
    timestamp's on SQLite), or None when the value goes as it is. Bytes always do: every driver
    stores them as binary without the wrapper SQLAlchemy would put around them."""
    if isinstance(type_, LargeBinary):
        return None
    return type_.dialect_impl(dialect).bind_processor(dialect)
