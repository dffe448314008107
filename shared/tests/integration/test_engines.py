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

    from pathways_shared.db import SQLITE_CACHE_KIB, SQLITE_HEAP_MIB

    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            settings = [(await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                        for name in ("journal_mode", "synchronous", "cache_size", "foreign_keys", "soft_heap_limit")]
        assert settings == ["wal", 1, -SQLITE_CACHE_KIB, 1, SQLITE_HEAP_MIB * 2**20]  # synchronous 1 is NORMAL
    finally:
        await engine.dispose()


def _sqlite_memory_used() -> int:
    """Bytes SQLite holds now, all connections of this process together (sqlite3_memory_used),
    from the library the sqlite3 module is linked with."""
    import ctypes
    import sqlite3  # noqa: F401  (loads the library)

    maps = open("/proc/self/maps").read().split()
    library = next((word for word in maps if "libsqlite3" in word), None)
    assert library, "the sqlite3 module is not linked with a shared libsqlite3 this test can ask"
    lib = ctypes.CDLL(library)
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return lib.sqlite3_memory_used()


async def test_sqlite_connections_share_one_memory_limit(sqlite_url, monkeypatch):
    """Three connections each reading a table several times the limit would cache three copies
    of it without the process-wide limit (each connection's own cache allows 64 MiB)."""
    import sqlite3

    from sqlalchemy import LargeBinary, text

    from pathways_shared import db

    limit = db.SQLITE_HEAP_MIB
    monkeypatch.setattr(db, "SQLITE_HEAP_MIB", 4)
    blobs = Table("blobs", MetaData(), Column("id", Integer, primary_key=True), Column("body", LargeBinary))
    engine = make_engine(sqlite_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(blobs.metadata.create_all)
            await conn.execute(insert(blobs), [{"id": i, "body": bytes([i % 251]) * 8000} for i in range(2000)])
        before = _sqlite_memory_used()
        async with engine.connect() as a, engine.connect() as b, engine.connect() as c:
            for conn in (a, b, c):
                total = (await conn.execute(text("SELECT sum(length(body)) FROM blobs"))).scalar_one()
                assert total == 16_000_000
            held = _sqlite_memory_used()
        assert held < 10 * 2**20, f"SQLite holds {held / 2**20:.1f} MiB (was {before / 2**20:.1f} before reading)"
    finally:
        await engine.dispose()
        sqlite3.connect(":memory:").execute(f"PRAGMA soft_heap_limit={limit * 2**20}")


async def test_a_failed_statement_does_not_carry_the_values_it_was_writing(db_url):
    """Such an error is logged, or printed by a command: the values are referral documents."""
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(documents), [{"id": 1, "body": {"relationship": "mother"}}])
        with pytest.raises(IntegrityError) as failed:
            async with engine.begin() as conn:
                await conn.execute(insert(documents), [{"id": 1, "body": {"relationship": "sister-in-law"}}])
        assert "INSERT INTO documents" in str(failed.value)
        assert "sister-in-law" not in str(failed.value)
    finally:
        await engine.dispose()
