"""`pathways token create|list|revoke`: manage API tokens in the tokens file (digests only)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .settings import Settings
from .token_file import TokenError, issue_token, read_entries, revoke_token

FILE_HELP = "tokens file (default: TOKENS_FILE or var/tokens.jsonl)"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("token", help="create, list and revoke API tokens")
    parser.add_argument("--file", type=Path, help=FILE_HELP)
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="issue a token; it is printed once and only its digest is kept")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", required=True,
                        help="referrer, commissioner, admin, internal or provider:<id> (repeatable)")
    listing = actions.add_parser("list", help="names, scopes and dates; never the tokens")
    revoke = actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("--name", required=True)
    # Also after the action (`pathways token create --file F ...`), as people write it; SUPPRESS
    # keeps an absent one there from undoing one given before the action.
    for action in (create, listing, revoke):
        action.add_argument("--file", type=Path, default=argparse.SUPPRESS, help=FILE_HELP)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = args.file or Settings().tokens_path()
    try:
        if args.action == "create":
            print(issue_token(path, args.name, args.scope))
        elif args.action == "list":
            for e in read_entries(path) if path.exists() else []:
                state = f"revoked {e['revoked']}" if e.get("revoked") else "live"
                print(f"{e['name']}\t{','.join(e['scopes'])}\t{e.get('created_at', '')}\t{state}")
        elif not revoke_token(path, args.name):
            print(f"pathways token: no live token named {args.name!r} in {path}", file=sys.stderr)
            return 1
    except TokenError as exc:
        print(f"pathways token: {exc}", file=sys.stderr)
        return 2
    return 0
