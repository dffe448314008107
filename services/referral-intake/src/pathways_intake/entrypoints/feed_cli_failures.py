"""How `pathways feed` tells what stopped it: in one line, without a statement, a value or a
traceback (a database's messages and a driver's threads can carry or print them)."""
from __future__ import annotations

import threading

from sqlalchemy.exc import SQLAlchemyError


def join_driver_threads(timeout: float = 2.0) -> None:
    """Wait for the SQLite driver's worker threads (aiosqlite names each after its function)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.endswith("(_connection_worker_thread)"):
            thread.join(timeout)


def database_problem(error: SQLAlchemyError) -> str:
    """The driver's own first line ("database is locked", "connection refused"), never a statement
    or its values: for PostgreSQL's data and integrity errors, whose message may quote the value,
    only their kind."""
    cause = getattr(error, "orig", None) or error
    state = getattr(cause, "sqlstate", None) or ""
    if state[:2] in ("22", "23"):
        return f"{type(cause).__name__} (SQLSTATE {state})"
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    return lines[0][:300]


def why(error: OSError) -> str:
    return f"{error.strerror or error}: {error.filename}" if error.filename else str(error.strerror or error)
