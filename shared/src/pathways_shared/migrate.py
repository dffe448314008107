"""Schema migrations: each service ships an Alembic environment inside its package
(`<package>/migrations/`), and `pathways db` runs it against that service's database.

    pathways db upgrade --service router [--database-url URL] [--revision head]
    pathways db downgrade --service router --revision base
    pathways db current --service router

The URL defaults to the service's own setting (DATABASE_URL, else its SQLite file under var/).
In production the migrations are the source of truth: a service's create_all at start-up finds
every table already there and does nothing.
"""
from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from .db import include_plumbing_tables, make_engine, normalise_url
from .settings import Settings

# Service name (as in Settings.service_name) → the package holding its `migrations` package.
SERVICES = {"referral-intake": "pathways_intake", "router": "pathways_router",
            "notifier": "pathways_notifier", "ledger": "pathways_ledger"}


def migrations_of(service: str) -> ModuleType:
    """The service's migrations package; its `target_metadata` is the schema it builds."""
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")
    return importlib.import_module(f"{SERVICES[service]}.migrations")


def combined_metadata(*sources: MetaData, plumbing: bool = True) -> MetaData:
    """A new MetaData with copies of the given tables (and the outbox/inbox tables), leaving
    the services' own MetaData objects untouched."""
    target = MetaData()
    for source in sources:
        for table in source.tables.values():
            table.to_metadata(target)
    if plumbing:
        include_plumbing_tables(target)
    return target


def alembic_config(service: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(migrations_of(service).__file__).parent))
    return config


def run_environment(context, target_metadata: MetaData) -> None:
    """The body of every service's env.py: migrate on the connection `run` hands over."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `pathways db` (pathways_shared.migrate.run)")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters by copying
    with context.begin_transaction():
        context.run_migrations()


def _on_new_connection(url: str, work) -> None:
    async def run() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(work)
        finally:
            await engine.dispose()

    asyncio.run(run())


def run(command_name: str, service: str, url: str | None = None, revision: str = "head") -> None:
    """Run an Alembic command (upgrade, downgrade, current) for one service's database, in one
    transaction where the database allows it."""
    from alembic import command

    url = url or Settings(service_name=service).db_url()
    config = alembic_config(service)

    def work(connection) -> None:
        config.attributes["connection"] = connection
        if command_name == "current":
            command.current(config)
        else:
            getattr(command, command_name)(config, revision)

    _ensure_sqlite_folder(url)
    _on_new_connection(url, work)


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def register(subparsers) -> None:
    """The `pathways db` command (entry point in the pathways.commands group)."""
    db = subparsers.add_parser("db", help="migrate a service's database schema")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, default, text in (("upgrade", "head", "apply migrations up to REVISION"),
                                  ("downgrade", None, "revert migrations down to REVISION (base: all)"),
                                  ("current", None, "print the database's current revision")):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("--service", required=True, choices=sorted(SERVICES))
        parser.add_argument("--database-url", help="default: the service's DATABASE_URL, else its SQLite file")
        if action != "current":
            parser.add_argument("--revision", default=default, required=default is None)
        parser.set_defaults(handler=_handle)


def _handle(args) -> int:
    from alembic.util import CommandError

    try:
        run(args.action, args.service, args.database_url, getattr(args, "revision", None) or "head")
    except CommandError as exc:  # e.g. a database that another service's migrations built
        print(f"{args.service}: {exc}", file=sys.stderr)
        return 1
    if args.action != "current":
        url = args.database_url or Settings(service_name=args.service).db_url()
        where = make_url(normalise_url(url)).render_as_string(hide_password=True)
        print(f"{args.service}: {args.action} to {args.revision} done on {where}")
    return 0
