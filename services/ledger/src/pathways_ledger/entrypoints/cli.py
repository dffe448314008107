"""`pathways ledger verify` and `pathways ledger trail REFERRAL_ID`.

verify exits 0 when the chain is intact and 1, naming the first broken entry, when it is not;
trail prints a referral's entries as JSON and exits 1 when the ledger has none. Either exits 2
when the database holds no ledger at all.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pathways_ledger.bootstrap import Ledger, bootstrap
from pathways_ledger.service_layer.services import DEFAULT_PAGE_SIZE, trail_item


def register(subparsers: argparse._SubParsersAction) -> None:
    ledger = subparsers.add_parser("ledger", help="the tamper-evident record of referral events")
    commands = ledger.add_subparsers(dest="ledger_command", metavar="SUBCOMMAND", required=True)
    verify = commands.add_parser("verify", help="recompute the hash chain and report the first broken entry")
    verify.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE, help="entries read per query")
    verify.set_defaults(handler=lambda args: asyncio.run(_verify(args)))
    trail = commands.add_parser("trail", help="print every entry recorded for one referral, as JSON")
    trail.add_argument("referral_id")
    trail.set_defaults(handler=lambda args: asyncio.run(_trail(args)))
    for command in (verify, trail):
        command.add_argument("--database-url", help="default: DATABASE_URL, else the embedded SQLite file")


async def _verify(args: argparse.Namespace) -> int:
    async with _opened(args) as ledger:
        if ledger is None:
            return 2
        result = await ledger.verify(page_size=args.page_size)
    if result.intact:
        print(f"ledger intact: {result.entries_checked} entries, head seq {result.head_seq}, "
              f"head hash {result.head_hash}")
        return 0
    print(f"ledger broken at {result.first_break}", file=sys.stderr)
    print(f"{result.entries_checked} entries before it are intact", file=sys.stderr)
    return 1


async def _trail(args: argparse.Namespace) -> int:
    async with _opened(args) as ledger:
        if ledger is None:
            return 2
        entries = await ledger.trail(args.referral_id)
    if not entries:
        print(f"no ledger entries for referral {args.referral_id}", file=sys.stderr)
        return 1
    json.dump([trail_item(entry) for entry in entries], sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


@asynccontextmanager
async def _opened(args: argparse.Namespace) -> AsyncIterator[Ledger | None]:
    """The ledger for one command, or None (having said why) when the database holds none."""
    ledger = bootstrap(database_url=args.database_url)
    try:
        if await ledger.has_schema():
            yield ledger
        else:  # the URL is not echoed: it may carry a password
            print("no ledger in that database (table ledger_entries not found)", file=sys.stderr)
            yield None
    finally:
        await ledger.close()
