"""Data protection commands on the intake's database (its settings: DATABASE_URL, PSEUDONYM_KEY,
MASTER_KEY): `pathways erase`, `sar`, `purge`, `audit` and `pseudonym` (README "Data protection").

Exit status: 0 done; 1 nothing held about that person; 2 bad arguments or settings.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from pathways_shared.privacy import pseudonym

from ..adapters import audit
from ..bootstrap import IntakeSettings, bootstrap, create_schema
from ..service_layer.access import Access
from ..service_layer.erasure import UnknownPerson, checked, erase, subject_access
from ..service_layer.retention import Periods, purge


def register(subparsers) -> None:
    def command(name: str, help: str, handler):
        parser = subparsers.add_parser(name, help=help)
        parser.add_argument("--database-url", help="default: the intake's DATABASE_URL")
        parser.set_defaults(handler=lambda args: _run(args, handler))
        return parser

    erase_ = command("erase", "erase a person: shred their data keys (their records stay countable)", _erase)
    erase_.add_argument("--person", required=True, type=_person, help="the person's pseudonym (pp_…)")
    sar = command("sar", "subject access request: everything held about a person, as JSON", _sar)
    sar.add_argument("--person", required=True, type=_person, help="the person's pseudonym (pp_…)")
    sar.add_argument("--out", type=Path, help="write the JSON here (default: standard output)")
    sar.add_argument("--requested-by", default=getpass.getuser(), help="who asks, for the access audit")
    purge_ = command("purge", "end records past their retention period; counts per kind", _purge)
    purge_.add_argument("--dry-run", action="store_true", help="count only; change nothing")
    audit_ = command("audit", "list the recorded reads of clear personal data", _audit)
    audit_.add_argument("--person", type=_person, help="only reads of this person's data")
    audit_.add_argument("--since", type=date.fromisoformat, help="only reads on or after this date (YYYY-MM-DD)")
    find = subparsers.add_parser("pseudonym", help="a person's pseudonym from their CRN, NOMS number, or "
                                                   "names and date of birth (as the intake computes it)")
    group = find.add_mutually_exclusive_group(required=True)
    group.add_argument("--crn")
    group.add_argument("--noms")
    group.add_argument("--name", nargs=2, metavar=("GIVEN", "FAMILY"))
    find.add_argument("--dob", type=date.fromisoformat, help="with --name")
    find.set_defaults(handler=_pseudonym)


def _person(text: str) -> str:
    try:
        return checked(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settings(args) -> IntakeSettings | None:
    try:
        return IntakeSettings(**({"database_url": args.database_url} if getattr(args, "database_url", None) else {}))
    except ValidationError as invalid:  # names the missing settings; values are hidden
        print(f"pathways {args.command}: the intake's settings are incomplete:\n{invalid}", file=sys.stderr)
        return None


def _run(args, handler) -> int:
    settings = _settings(args)
    return 2 if settings is None else asyncio.run(_with_intake(settings, handler, args))


async def _with_intake(settings: IntakeSettings, handler, args) -> int:
    intake = bootstrap(settings)
    try:
        await create_schema(intake.engine)
        return await handler(intake, args)
    except UnknownPerson:
        print(f"pathways {args.command}: nothing is held about {args.person}", file=sys.stderr)
        return 1
    finally:
        await intake.engine.dispose()


async def _erase(intake, args) -> int:
    done = await erase(intake.engine, intake.service.store, args.person)
    print(json.dumps({"erased": done.pseudonym, "referrals": done.referrals, "data_keys_shredded": done.keys_shredded}))
    return 0


async def _sar(intake, args) -> int:
    access = Access(f"operator:{args.requested_by}", "operator", "subject access request")
    held = json.dumps(await subject_access(intake.engine, intake.service.store, args.person, access), indent=2)
    if args.out:
        args.out.write_text(held + "\n")
        args.out.chmod(0o600)  # it is the person's data in clear
        print(f"written to {args.out}")
    else:
        print(held)
    return 0


async def _purge(intake, args) -> int:
    counts = await purge(intake.engine, intake.service.store, Periods.of(intake.settings), datetime.now(UTC),
                         dry_run=args.dry_run)
    print(json.dumps({"dry_run": args.dry_run, **counts}))
    return 0


async def _audit(intake, args) -> int:
    since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
    async with intake.engine.connect() as conn:
        for entry in await audit.entries(conn, pseudonym=args.person, since=since):
            print(json.dumps(entry))
    return 0


def _pseudonym(args) -> int:
    settings = _settings(args)
    if settings is None:
        return 2
    if args.name and not args.dob:
        print("pathways pseudonym: --name needs --dob", file=sys.stderr)
        return 2
    norm = lambda text: unicodedata.normalize("NFKC", text).strip().casefold()  # noqa: E731  (as privacy.py)
    identity = (f"CRN:{norm(args.crn)}" if args.crn else f"NOMS:{norm(args.noms)}" if args.noms
                else f"NAME:{norm(args.name[0])}|{norm(args.name[1])}|{args.dob.isoformat()}")
    print(pseudonym(identity, settings.pseudonym_key.get_secret_value().encode()))
    return 0
