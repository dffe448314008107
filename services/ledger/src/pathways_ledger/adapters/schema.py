"""All of the ledger's DDL, in one place so a migration can call it: table, index and the guards
that make the database itself refuse to change or remove a recorded entry.

PostgreSQL: statement-level BEFORE UPDATE OR DELETE and BEFORE TRUNCATE triggers raise, so
even a statement matching no rows is refused. SQLite (row triggers only): BEFORE UPDATE and
BEFORE DELETE triggers ``RAISE(ABORT, ...)``. Whoever can alter the table can still disable the
guards; the hash chain is what makes that visible afterwards.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (BigInteger, Column, Connection, DateTime, Index, Integer, MetaData, String, Table, Text,
                        TypeDecorator, inspect)
from sqlalchemy.ext.asyncio import AsyncEngine

TABLE = "ledger_entries"
# The PostgreSQL advisory lock that serialises appends to the chain (and schema changes): "pathledg".
CHAIN_LOCK_KEY = int.from_bytes(b"pathledg", "big")
# Execution option marking a transaction that writes: on SQLite it then begins IMMEDIATE (see store).
WRITES = "pathways_ledger_writes"
GUARD_MESSAGE = "ledger_entries is append-only"


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no offset, so store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("ledger datetimes must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

ledger_entries = Table(
    TABLE, metadata,
    # Assigned by the appender under the chain lock, never by a sequence: a rolled-back
    # sequence value would leave a gap that verify would rightly report as tampering.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("entry_id", String(36), nullable=False, unique=True),
    Column("referral_id", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON text, byte for byte what was hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_ledger_entries_referral_seq", "referral_id", "seq"),
)

# No percent signs in this DDL, not even in comments: DB-API drivers read them as placeholders.
_POSTGRESQL_GUARDS = (
    f"""CREATE OR REPLACE FUNCTION ledger_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '{GUARD_MESSAGE}: ' || TG_OP || ' refused';
    END $$""",
    f"DROP TRIGGER IF EXISTS ledger_entries_no_update_delete ON {TABLE}",
    f"""CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change()""",
    f"DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change()""",
)

_SQLITE_GUARDS = tuple(
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entries_no_{op.lower()} BEFORE {op} ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}: {op} refused'); END"""
    for op in ("UPDATE", "DELETE")
)


def guard_statements(dialect_name: str) -> tuple[str, ...]:
    """The DDL that installs the append-only guards (idempotent) for one database dialect."""
    if dialect_name == "postgresql":
        return _POSTGRESQL_GUARDS
    if dialect_name == "sqlite":
        return _SQLITE_GUARDS
    raise NotImplementedError(f"no append-only guards written for {dialect_name}")


def create_ledger_schema(connection: Connection) -> None:
    """Create the table, index and guards if missing, on a synchronous connection (for a migration)."""
    if connection.dialect.name == "postgresql":  # two services starting at once must not race the DDL
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
    metadata.create_all(connection, checkfirst=True)
    for statement in guard_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.execution_options(**{WRITES: True}).begin() as conn:
        await conn.run_sync(create_ledger_schema)


async def has_schema(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync_conn: inspect(sync_conn).has_table(TABLE))
