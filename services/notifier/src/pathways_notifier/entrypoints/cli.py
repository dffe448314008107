"""`pathways deliveries list` and `pathways deliveries replay`.

    pathways deliveries list [--status dead] [--provider pops] [--database-url URL]
    pathways deliveries replay (WEBHOOK_ID | --all-dead) [--database-url URL]

Replaying puts dead-lettered deliveries back to pending with attempts 0; the running notifier's
worker sends them at its next pass. Output is one JSON object per line.
"""
from __future__ import annotations

import asyncio
import json
import sys

from sqlalchemy.exc import DBAPIError

from pathways_shared.db import make_engine

from ..adapters import repository as repo
from ..domain.delivery import Status


def register(subparsers) -> None:
    parser = subparsers.add_parser("deliveries", help="list and replay webhook deliveries to providers")
    commands = parser.add_subparsers(dest="deliveries_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="list deliveries, oldest first")
    listing.add_argument("--status", choices=[s.value for s in Status], help="only deliveries in this status")
    listing.add_argument("--provider", help="only this provider's deliveries")
    listing.set_defaults(handler=run_list)
    replay = commands.add_parser("replay", help="send dead-lettered deliveries again")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("webhook_id", nargs="?", metavar="WEBHOOK_ID", help="the delivery to replay")
    which.add_argument("--all-dead", action="store_true", help="replay every dead-lettered delivery")
    replay.set_defaults(handler=run_replay)
    for sub in (listing, replay):
        sub.add_argument("--database-url", metavar="URL",
                         help="the notifier's database (default: DATABASE_URL, else the local SQLite file)")


def _database_url(args) -> str:
    if args.database_url:
        return args.database_url
    from ..bootstrap import NotifierSettings

    return NotifierSettings().db_url()


async def _run(args, work):
    engine = make_engine(_database_url(args))
    try:
        async with engine.begin() as conn:
            return await work(conn)
    finally:
        await engine.dispose()


def _call(args, work):
    try:
        return asyncio.run(_run(args, work))
    except (DBAPIError, OSError) as exc:
        print(f"cannot read the deliveries table: {type(exc).__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return None


def run_list(args) -> int:
    if args.provider is not None:
        from ..bootstrap import NotifierSettings, provider_channels
        from .api_docs import unknown_provider

        if why := unknown_provider(args.provider, provider_channels(NotifierSettings().rulebook_path)):
            print(f"pathways deliveries list: {why}", file=sys.stderr)
            return 2
    rows = _call(args, lambda conn: repo.list_deliveries(conn, args.status, args.provider, limit=100_000))
    if rows is None:
        return 2
    for row in rows:
        sys.stdout.write(json.dumps(repo.summary(row)) + "\n")
    return 0


def run_replay(args) -> int:
    ids = None if args.all_dead else [args.webhook_id]

    async def replay(conn):
        replayed = await repo.replay(conn, ids)
        found = None if replayed or ids is None else await repo.get_delivery(conn, args.webhook_id)
        return replayed, found

    done = _call(args, replay)
    if done is None:
        return 2
    replayed, found = done
    for webhook_id in replayed:
        sys.stdout.write(json.dumps({"webhook_id": webhook_id, "status": Status.pending.value}) + "\n")
    if ids is not None and not replayed:
        print(f"{args.webhook_id}: " + ("no delivery with that id" if found is None else
                                        f"it is {found.status}; only a dead-lettered delivery is replayed"),
              file=sys.stderr)
        return 1
    print(f"{len(replayed)} delivery(ies) replayed", file=sys.stderr)
    return 0
