"""The engines every service makes: JSON columns written by orjson (the standard library for what
orjson refuses) come back the same on SQLite and PostgreSQL; SQLite connections get their settings."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select

from pathways_shared.db import json_text, make_engine

pytestmark = pytest.mark.integration

metadata = MetaData()
documents = Table("documents", metadata, Column("id", Integer, primary_key=True), Column("body", JSON))

VALUES = [
    {"clauses": [{"id": "POPS-1", "outcome": "pass", "reason": "Zoë lives in Sefton — a team covers it"}]},
    [1, 2.5, None, True, "x" * 3],
    {"huge": 2**70, "nested": {"a": {"b": []}}},
    "plain text",
]


def test_the_serializer_writes_what_the_standard_library_would_read_back():
    for value in VALUES:
        assert json.loads(json_text(value)) == value
    assert json.loads(json_text({1: "one"})) == {"1": "one"}  # keys become strings, as json.dumps does


async def test_json_values_round_trip_through_the_database(db_url):
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(documents), [{"id": i, "body": v} for i, v in enumerate(VALUES)])
        async with engine.connect() as conn:
            stored = (await conn.execute(select(documents.c.body).order_by(documents.c.id))).scalars().all()
        assert stored == VALUES
    finally:
        await engine.dispose()


async def test_sqlite_connections_get_the_service_settings(sqlite_url):
    from sqlalchemy import text

    from pathways_shared.db import SQLITE_CACHE_KIB

    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            settings = [(await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                        for name in ("journal_mode", "synchronous", "cache_size", "foreign_keys")]
        assert settings == ["wal", 1, -SQLITE_CACHE_KIB, 1]  # synchronous 1 is NORMAL
    finally:
        await engine.dispose()
