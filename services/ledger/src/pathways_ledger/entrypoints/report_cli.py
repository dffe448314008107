"""`pathways report monthly --month YYYY-MM --out DIR` and `pathways trace PERSON`.

report writes report.html, report.json and one CSV per table; it exits 1, saying where, when the
caseload does not reconcile (nothing is written), and 2 when the database holds no ledger.
trace prints the chains of provider referrals of a person (pp_…) or of a provider referral id;
it exits 1 when there are none.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from pathways_ledger.domain.pathways import NotTraceable
from pathways_ledger.domain.report.build import INTERNAL, PUBLISHED, CaseloadIdentityBroken
from pathways_ledger.domain.report.config import BadMonth, Month, ReportConfig
from pathways_ledger.entrypoints.cli import _opened
from pathways_ledger.service_layer.reports import monthly_report, pathway, rendered


def register_report(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser("report", help="reports computed from the ledger")
    kinds = report.add_subparsers(dest="report_kind", metavar="REPORT", required=True)
    monthly = kinds.add_parser("monthly", help="the monthly cross-referral report: HTML, CSV per table, JSON")
    monthly.add_argument("--month", required=True, help="calendar month, YYYY-MM (Europe/London)")
    monthly.add_argument("--out", required=True, type=Path, help="directory to write into")
    monthly.add_argument("--variant", choices=(PUBLISHED, INTERNAL), default=PUBLISHED,
                         help="internal: unsuppressed, for the commissioner's analysts only")
    monthly.add_argument("--suppress-below", type=int, default=ReportConfig.suppress_below,
                         help="published counts from 1 up to this minus one are shown as '<N' (default 5)")
    monthly.add_argument("--first-contact-working-days", type=int, default=ReportConfig.first_contact_working_days)
    monthly.add_argument("--database-url", help="default: DATABASE_URL, else the embedded SQLite file")
    monthly.set_defaults(handler=lambda args: asyncio.run(_monthly(args)))


def register_trace(subparsers: argparse._SubParsersAction) -> None:
    trace = subparsers.add_parser("trace", help="a person's chains of provider referrals across providers")
    trace.add_argument("query", help="a person's pseudonym (pp_…) or a provider referral id")
    trace.add_argument("--json", action="store_true", help="print JSON instead of text")
    trace.add_argument("--database-url", help="default: DATABASE_URL, else the embedded SQLite file")
    trace.set_defaults(handler=lambda args: asyncio.run(_trace(args)))


async def _monthly(args: argparse.Namespace) -> int:
    try:
        month = Month.parse(args.month)
        config = ReportConfig(suppress_below=args.suppress_below,
                              first_contact_working_days=args.first_contact_working_days)
    except (BadMonth, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    async with _opened(args) as ledger:
        if ledger is None:
            return 2
        try:
            report = await monthly_report(month, store=ledger.store, config=config, variant=args.variant)
        except CaseloadIdentityBroken as exc:
            print(exc, file=sys.stderr)
            return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in rendered(report).items():
        (args.out / name).write_bytes(data)
    print(f"{report.variant} report for {month}: {len(report.tables)} tables, {report.events_read} events "
          f"up to seq {report.head_seq}, written to {args.out}")
    return 0


async def _trace(args: argparse.Namespace) -> int:
    async with _opened(args) as ledger:
        if ledger is None:
            return 2
        try:
            found = await pathway(args.query, store=ledger.store)
        except NotTraceable as exc:
            print(exc, file=sys.stderr)
            return 2
    if args.json:
        json.dump(found, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for chain in found["chains"]:
            print(chain["path"])
            for step in chain["steps"]:
                mark = "*" if step["matches_query"] else " "
                print(f" {mark} {step['provider']:<10} {step['provider_referral_id']}  raised {step['raised_at'] or '?'}"
                      f"  delivered {step['delivered_at'] or '-'}  first contact {step['first_contact_on'] or '-'}"
                      f"  {step['status']}{' (' + step['reason'] + ')' if step['reason'] else ''}")
    if not found["chains"]:
        print(f"no provider referrals found for {args.query}", file=sys.stderr)
        return 1
    return 0
