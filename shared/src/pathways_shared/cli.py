"""The `pathways` command.

Each service contributes its own subcommands through the `pathways.commands` entry-point
group, so this dispatcher never imports a service directly and services stay independent.
"""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from .heap import settle


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pathways", description="Family Pathways: referral routing for families of people in the justice system."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for ep in sorted(entry_points(group="pathways.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None:  # a real command line, not a call from inside another program (tests)
        settle()  # commands such as `pathways feed probation` work through many rows in batches
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # `pathways route ... | head` is normal use
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
