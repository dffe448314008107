"""pathways_shared.bulk: rows handed to the driver directly read back exactly as SQLAlchemy's own insert
stores them, on every database kind."""
import os
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pathways_shared.bulk import insert, insert_columns
from pathways_intake.adapters.tables import person_keys, personal_fields

pytestmark = pytest.mark.integration


def keys(n: int) -> list[dict]:
    now = datetime(2026, 11, 2, 6, 1, 2, 345678, tzinfo=UTC)
    return [{"key_id": uuid.uuid4(), "pseudonym": f"pp_{i:032x}", "wrapped": os.urandom(60),
             "master_key_id": "k1", "created_at": now} for i in range(n)]


async def stored(conn, table, order) -> list[tuple]:
    return [tuple(r) for r in await conn.execute(select(table).order_by(order))]


async def test_rows_inserted_in_bulk_read_back_as_sqlalchemys_own(api):
    _, intake = api
    ours, theirs = keys(5), keys(5)
    for row in theirs:
        row["pseudonym"] = "q" + row["pseudonym"][1:]
    async with intake.engine.begin() as conn:
        await insert(conn, person_keys, ours)
        await conn.execute(person_keys.insert(), theirs)
        read = {r.pseudonym: r for r in await conn.execute(select(person_keys))}
    for row in ours + theirs:
        got = read[row["pseudonym"]]
        assert (got.key_id, got.wrapped, got.master_key_id, got.shredded_at) == (
            row["key_id"], row["wrapped"], "k1", None)
    assert {read[r["pseudonym"]].created_at for r in ours} == {read[r["pseudonym"]].created_at for r in theirs}


async def test_columns_of_repeated_ids_are_stored_row_by_row(api):
    _, intake = api
    rid, key_id = uuid.uuid4(), uuid.uuid4()
    columns = {"referral_id": [rid, rid, uuid.uuid4()], "person_ref": ["ix", "ix", "m1"],
               "field": ["given_name", "family_name", "postcode"], "key_id": [key_id] * 3,
               "sealed": [b"a", b"bb", b"ccc"]}
    async with intake.engine.begin() as conn:
        await insert_columns(conn, personal_fields, columns)
        rows = await stored(conn, personal_fields, personal_fields.c.sealed)
    assert rows == list(zip(*columns.values()))


async def test_a_table_with_a_default_is_written_by_sqlalchemy_default_included(api):
    from sqlalchemy import Column, Integer, MetaData, String, Table

    table = Table("with_default", MetaData(), Column("id", Integer, primary_key=True),
                  Column("note", String(20), nullable=False, default="none given"))
    _, intake = api
    async with intake.engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
        await insert(conn, table, [{"id": 1}, {"id": 2}])
        await insert(conn, table, [{"id": 2}, {"id": 3}], keep_existing=True)
        assert [tuple(r) for r in await conn.execute(select(table).order_by(table.c.id))] == [
            (1, "none given"), (2, "none given"), (3, "none given")]
