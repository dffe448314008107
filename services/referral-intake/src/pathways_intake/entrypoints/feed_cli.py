"""`pathways feed probation FILE`: apply a probation caseload export to the intake database
directly (the intake's settings: DATABASE_URL, PSEUDONYM_KEY, MASTER_KEY), print the summary
and write rejections.csv and rejections.json. `pathways feed generate OUT`: a synthetic export.

The report directory is checked before anything is fed: when no file can be written there, the
export is not fed at all. Should writing the reports fail all the same, the batch stands: its
summary and id are printed first, then what could not be written (the report can be read over
HTTP). Rejections are settled over HTTP (resubmit or resolve a line); this command has no way to.

Exit status: 0 every row applied; 1 done, but rows were quarantined or the file has problems
(someone must look); 2 the file was refused, could not be fed (the database failed, which is told
without any statement or value), or its reports could not be written.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from pathways_shared.contracts.referral_v1 import ReferredAt

from ..bootstrap import IntakeSettings, bootstrap, create_schema
from ..feed.batches import ORGANISATION_MAX_CHARS, OrganisationRefused, export_organisation
from ..feed.format import ExportFormat
from ..feed.generator import write_export
from ..feed.report import check_report_dir, write_reports
from ..feed.rows import ExportContext
from ..feed.service import CHUNK_ROWS, CaseloadFeed
from .feed_cli_failures import database_problem, join_driver_threads, why

FORMATS = [f.value for f in ExportFormat]
_REFERRED_AT = TypeAdapter(ReferredAt)


def register(subparsers) -> None:
    feed = subparsers.add_parser("feed", help="probation caseload feed: apply an export, or generate one")
    commands = feed.add_subparsers(dest="feed_command", metavar="FEED", required=True)
    probation = commands.add_parser("probation", help="apply a probation caseload export (CSV or JSONL)")
    probation.add_argument("file", type=Path, help="the export")
    probation.add_argument("--format", choices=FORMATS, help="default: from the file name (.jsonl/.ndjson, else csv)")
    probation.add_argument("--organisation", type=_organisation,
                           help="source organisation for rows without an organisation column "
                           f"(up to {ORGANISATION_MAX_CHARS} characters)")
    probation.add_argument("--exported-at", type=_moment, help="when the export was made, ISO 8601 with a time "
                           "zone (default: the file's modification time); a new case's referral date")
    probation.add_argument("--report-dir", type=Path, default=Path("."), help="where rejections.csv/.json go "
                           "(made if missing; nothing is fed unless a file can be written there)")
    probation.add_argument("--database-url", help="default: the intake's DATABASE_URL")
    probation.add_argument("--batch-size", type=int, default=CHUNK_ROWS, help="rows per transaction")
    probation.add_argument("--json", action="store_true", help="print the summary as JSON")
    probation.set_defaults(handler=feed_probation)
    generate = commands.add_parser("generate", help="write a synthetic caseload export")
    generate.add_argument("out", type=Path)
    generate.add_argument("--rows", type=int, required=True)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--format", choices=FORMATS, help="default: from the file name")
    generate.add_argument("--bad-every", type=int, default=0, help="every Nth row names an unknown stage")
    generate.set_defaults(handler=generate_export)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-11-02T06:00:00Z") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-02T06:00:00Z")
    try:   # every case it refers would be refused for it
        return _REFERRED_AT.validate_python(moment)
    except ValidationError as invalid:
        raise argparse.ArgumentTypeError(invalid.errors()[0]["msg"]) from None


def _organisation(text: str) -> str | None:
    try:
        return export_organisation(text)
    except OrganisationRefused as refused:
        raise argparse.ArgumentTypeError(str(refused)) from None


def feed_probation(args) -> int:
    try:
        settings = IntakeSettings(**({"database_url": args.database_url} if args.database_url else {}))
    except ValidationError as invalid:  # names the missing settings; values are hidden
        print(f"pathways feed: the intake's settings are incomplete:\n{invalid}", file=sys.stderr)
        return 2
    if not args.file.is_file():
        missing = "not a file (a directory)" if args.file.is_dir() else "no such file"
        print(f"pathways feed: {missing}: {args.file}", file=sys.stderr)
        return 2
    try:
        check_report_dir(args.report_dir)
    except OSError as unwritable:
        print(f"pathways feed: --report-dir {args.report_dir}: no report can be written there "
              f"({why(unwritable)}); nothing was fed", file=sys.stderr)
        return 2
    try:
        summary, reports, unwritten = asyncio.run(_feed(settings, args))
    except SQLAlchemyError as failed:
        print(f"pathways feed: the intake database failed: {database_problem(failed)}. The chunks committed "
              "before it stand; feeding the same export again finishes the job", file=sys.stderr)
        return 2
    print(json.dumps(summary.as_dict(), indent=2) if args.json else "\n".join(summary.lines()))
    for path in reports:
        print(f"report: {path}", file=sys.stderr if args.json else sys.stdout)
    if unwritten is not None:
        print(f"pathways feed: batch {summary.batch_id} was fed ({summary.status}), but its reports could not "
              f"be written to {args.report_dir} ({why(unwritten)}); read them at "
              f"GET /v1/probation/batches/{summary.batch_id}/rejections", file=sys.stderr)
        return 2
    if summary.status == "refused":
        return 2
    return 1 if summary.rejected or summary.file_problems else 0


async def _feed(settings: IntakeSettings, args):
    intake = bootstrap(settings)
    try:
        await create_schema(intake.engine)
        fmt = ExportFormat.of(args.file.name, args.format)
        exported_at = args.exported_at or datetime.fromtimestamp(args.file.stat().st_mtime, UTC)
        with args.file.open("rb") as binary:
            summary = await CaseloadFeed(intake.service, max(1, args.batch_size)).feed(
                binary, fmt, ExportContext(exported_at, args.organisation, intake.service.pseudonym_key),
                source_name=args.file.name)
        try:
            return summary, await write_reports(intake.engine, summary, args.report_dir), None
        except OSError as unwritten:   # the batch is fed and recorded: its summary must still be told
            return summary, [], unwritten
    finally:
        await intake.engine.dispose()
        # A SQLite connection that failed to open hands its closing back to this loop from its own
        # thread: wait for those threads while the loop runs, or one may find it closed and print
        # a traceback after the command's own message.
        await asyncio.to_thread(join_driver_threads)


def generate_export(args) -> int:
    fmt = ExportFormat.of(args.out.name, args.format)
    with args.out.open("w", encoding="utf-8", newline="") as out:
        written = write_export(out, args.rows, args.seed, fmt, bad_every=args.bad_every)
    print(f"{written} rows ({fmt.value}) written to {args.out}")
    return 0
