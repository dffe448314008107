"""Each service's migrations build exactly the schema its code declares, on PostgreSQL and SQLite,
and take it away again; the ledger's append-only guards exist after an upgrade."""
from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pathways_shared import migrate

pytestmark = pytest.mark.integration

SERVICES = sorted(migrate.SERVICES)


def sync_engine(url: str):
    """A plain synchronous engine on the same database (inspection needs no event loop)."""
    parsed = make_url(url)
    driver = "postgresql+psycopg" if parsed.get_backend_name() == "postgresql" else "sqlite"
    return create_engine(parsed.set(drivername=driver))


def tables_in(url: str) -> set[str]:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def schema_differences(url: str, service: str) -> list:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), migrate.migrations_of(service).target_metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_builds_exactly_the_declared_schema(db_url, service):
    migrate.run("upgrade", service, db_url)

    declared = set(migrate.migrations_of(service).target_metadata.tables)
    assert tables_in(db_url) == declared | {"alembic_version"}
    assert schema_differences(db_url, service) == []


def test_every_service_but_the_ledger_gets_the_outbox_and_inbox_tables():
    for service in SERVICES:
        tables = set(migrate.migrations_of(service).target_metadata.tables)
        assert ({"outbox", "processed_messages"} <= tables) is (service != "ledger"), service


@pytest.mark.parametrize("service", SERVICES)
def test_the_services_own_create_all_after_upgrade_changes_nothing(db_url, service):
    """Services still create their schema at start-up; after the migrations that is a no-op."""
    migrate.run("upgrade", service, db_url)
    engine = sync_engine(db_url)
    try:
        with engine.begin() as conn:
            if service == "ledger":
                from pathways_ledger.adapters.schema import create_ledger_schema
                create_ledger_schema(conn)
            else:
                migrate.migrations_of(service).target_metadata.create_all(conn)
    finally:
        engine.dispose()
    assert schema_differences(db_url, service) == []
    assert migrate_current(db_url, service) == head_of(service)


def head_of(service: str) -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(migrate.alembic_config(service)).get_current_head()


def migrate_current(url: str, service: str) -> str | None:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_downgrade_to_base_removes_every_table(db_url, service):
    migrate.run("upgrade", service, db_url)
    migrate.run("downgrade", service, db_url, "base")

    assert tables_in(db_url) == {"alembic_version"}  # Alembic keeps its (now empty) record
    assert migrate_current(db_url, service) is None
    if db_url.startswith("postgresql"):
        engine = sync_engine(db_url)
        with engine.connect() as conn:
            functions = conn.execute(text("SELECT proname FROM pg_proc WHERE proname LIKE 'ledger_entries%'")).all()
        engine.dispose()
        assert functions == []


def test_the_version_table_lands_in_the_schema_the_url_names(pg_schema_url):
    migrate.run("upgrade", "router", pg_schema_url)
    schema = make_url(pg_schema_url).query["options"].removeprefix("-csearch_path=")
    engine = sync_engine(pg_schema_url)
    try:
        with engine.connect() as conn:
            where = conn.execute(text("SELECT table_schema FROM information_schema.tables "
                                      "WHERE table_name = 'alembic_version'")).scalars().all()
    finally:
        engine.dispose()
    assert where == [schema]


def test_the_ledger_refuses_changes_once_migrated(db_url):
    migrate.run("upgrade", "ledger", db_url)
    engine = sync_engine(db_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO ledger_entries (seq, entry_id, referral_id, event_type, occurred_at, recorded_at, "
                "payload, prev_hash, hash) VALUES (1, :entry, 'r', 't', :now, :now, '{}', :zero, :zero)"),
                {"entry": str(uuid.uuid4()), "now": now, "zero": "0" * 64})
        refused = ["UPDATE ledger_entries SET payload = '[]'", "DELETE FROM ledger_entries"]
        if engine.dialect.name == "postgresql":
            refused.append("TRUNCATE ledger_entries")
        for statement in refused:
            with pytest.raises(DBAPIError, match="ledger_entries is append-only"):
                with engine.begin() as conn:
                    conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT payload FROM ledger_entries")).scalars().all() == ["{}"]
    finally:
        engine.dispose()


def test_a_database_built_for_another_service_is_refused(sqlite_url):
    """Each service's revisions are its own, so a mixed-up DATABASE_URL fails instead of passing."""
    migrate.run("upgrade", "referral-intake", sqlite_url)
    done = subprocess.run([sys.executable, "-m", "pathways_shared.cli", "db", "upgrade", "--service", "router",
                           "--database-url", sqlite_url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"router: Can't locate revision identified by '{head_of('referral-intake')}'" in done.stderr
    assert "households" not in tables_in(sqlite_url)  # none of the router's tables


def test_the_pathways_db_command_upgrades_and_reports(sqlite_url):
    done = subprocess.run([sys.executable, "-m", "pathways_shared.cli", "db", "upgrade", "--service", "notifier",
                           "--database-url", sqlite_url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "notifier: upgrade to head done" in done.stdout
    assert {"deliveries", "outbox", "processed_messages"} <= tables_in(sqlite_url)
    current = subprocess.run([sys.executable, "-m", "pathways_shared.cli", "db", "current", "--service", "notifier",
                              "--database-url", sqlite_url], capture_output=True, text=True, timeout=120)
    assert current.returncode == 0 and current.stdout.strip() == f"{head_of('notifier')} (head)"

    unknown = subprocess.run([sys.executable, "-m", "pathways_shared.cli", "db", "upgrade", "--service", "billing"],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "invalid choice: 'billing'" in unknown.stderr
