"""`pathways route` and `pathways explain`.

`route` output is a public contract other tools depend on: one JSON object per line per
person × provider, with at least referral_id, person_ref, provider, decision, eligible_from,
clauses and rulebook_version.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from ..adapters.rulebook_yaml import RulebookError, load_rulebook
from ..service_layer.routing import decision_row, route
from .explain import explain_text
from .input import read_referrals


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of must be a date YYYY-MM-DD, got {text!r}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, metavar="PATH", help="a JSON referral, or JSONL (one per line); - for stdin")
    parser.add_argument("--rulebook", metavar="PATH", help="rulebook YAML (default: the packaged policy rulebook)")
    parser.add_argument("--as-of", type=_as_of, metavar="YYYY-MM-DD", help="compute ages and windows on this date")


def register(subparsers) -> None:
    route_p = subparsers.add_parser("route", help="route referrals; one JSON decision per person × provider")
    _common(route_p)
    route_p.set_defaults(handler=run_route)
    explain_p = subparsers.add_parser("explain", help="route referrals and explain each decision readably")
    _common(explain_p)
    explain_p.add_argument("--all-clauses", action="store_true", help="show passing clauses too")
    explain_p.set_defaults(handler=run_explain)


def _run(args, emit) -> int:
    try:
        book = load_rulebook(args.rulebook)
    except RulebookError as exc:
        print(f"rulebook error:\n{exc}", file=sys.stderr)
        return 2
    failures = 0
    try:
        for number, item in read_referrals(args.input):
            if isinstance(item, Exception):
                failures += 1
                for problem in item.problems:
                    print(f"{args.input}: line {number}: {problem.path}: {problem.message}", file=sys.stderr)
                continue
            emit(item, route(item, book, args.as_of))
    except BrokenPipeError:
        raise
    except OSError as exc:
        print(f"cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return 2
    if failures:
        print(f"{failures} referral(s) rejected; the others were routed", file=sys.stderr)
    return 1 if failures else 0


def run_route(args) -> int:
    out = sys.stdout

    def emit(referral, routing):
        for decision in routing.decisions:
            out.write(json.dumps(decision_row(decision), ensure_ascii=False) + "\n")

    return _run(args, emit)


def run_explain(args) -> int:
    return _run(args, lambda referral, routing: print(explain_text(referral, routing, args.all_clauses)))
