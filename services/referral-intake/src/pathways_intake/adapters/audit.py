"""The access audit: one row for every read of clear personal data, and the database guards that
keep it append-only.

UPDATE is always refused; DELETE only of rows at least AUDIT_FLOOR old (so retention can end
them, never sooner); TRUNCATE is refused (PostgreSQL). Whoever can alter the table can still
drop the guards: the guards stop mistakes and casual tampering, not the database's owner.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import access_audit

TABLE = "access_audit"
AUDIT_FLOOR_YEARS = 6
GUARD_MESSAGE = "access_audit is append-only"

# No percent signs in this DDL: DB-API drivers read them as placeholders.
_POSTGRESQL_GUARDS = (
    f"""CREATE OR REPLACE FUNCTION access_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND OLD.read_at < now() - interval '{AUDIT_FLOOR_YEARS} years' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '{GUARD_MESSAGE}: ' || TG_OP || ' refused';
    END $$""",
    f"DROP TRIGGER IF EXISTS access_audit_no_change ON {TABLE}",
    f"""CREATE TRIGGER access_audit_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION access_audit_refuse_change()""",
    f"DROP TRIGGER IF EXISTS access_audit_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION access_audit_refuse_change()""",
)
_SQLITE_GUARDS = (
    f"""CREATE TRIGGER IF NOT EXISTS access_audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS access_audit_no_delete BEFORE DELETE ON {TABLE}
        WHEN OLD.read_at >= datetime('now', '-{AUDIT_FLOOR_YEARS} years')
        BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}: DELETE refused'); END""",
)


def install_guards(conn: Connection) -> None:
    """Create (or re-create) the triggers; sync, for run_sync and for migrations."""
    for statement in _POSTGRESQL_GUARDS if conn.dialect.name == "postgresql" else _SQLITE_GUARDS:
        conn.exec_driver_sql(statement)


def drop_guards(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS access_audit_no_truncate ON {TABLE}")
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS access_audit_no_change ON {TABLE}")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS access_audit_refuse_change()")
    else:
        for op in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS access_audit_no_{op}")


async def record(conn: AsyncConnection, entries: list[dict]) -> None:
    """entries: {caller, role, pseudonym, referral_id, fields, purpose}; read_at is now."""
    if entries:
        now = datetime.now(UTC)
        await conn.execute(access_audit.insert(), [{"read_at": now, **e} for e in entries])


async def entries(conn: AsyncConnection, *, pseudonym: str | None = None, since: datetime | None = None,
                  referral_ids: list[uuid.UUID] | None = None) -> list[dict]:
    query = select(access_audit).order_by(access_audit.c.id)
    if pseudonym:
        query = query.where(access_audit.c.pseudonym == pseudonym)
    if since:
        query = query.where(access_audit.c.read_at >= since)
    if referral_ids is not None:
        query = query.where(access_audit.c.referral_id.in_(referral_ids))
    return [_shown(row) for row in await conn.execute(query)]


def _shown(row) -> dict:
    read_at = row.read_at if row.read_at.tzinfo else row.read_at.replace(tzinfo=UTC)  # SQLite: naive UTC
    return {"id": row.id, "read_at": read_at.isoformat(), "caller": row.caller, "role": row.role,
            "pseudonym": row.pseudonym, "referral_id": str(row.referral_id) if row.referral_id else None,
            "fields": row.fields, "purpose": row.purpose}
