"""`make demo`: route the project's example referrals and print how each decision was reached."""
from __future__ import annotations

import sys
from pathlib import Path

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.entrypoints.explain import explain_text
from pathways_router.service_layer.routing import route
from pathways_shared.contracts.referral_v1 import ReferralInvalid, parse_referral

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    book = load_rulebook()
    examples = sorted((ROOT / "examples").glob("*.json"))
    if not examples:
        print("no example referrals under examples/", file=sys.stderr)
        return 1
    routed = 0
    for path in examples:
        try:
            referral = parse_referral(path.read_text(encoding="utf-8"))
        except ReferralInvalid as exc:
            print(f"{path.name}: invalid: {exc}", file=sys.stderr)
            return 1
        print(f"\n=== {path.name}")
        routing = route(referral, book)
        print(explain_text(referral, routing))
        routed += len(routing.provider_referrals)
    print(f"\n{len(examples)} household referrals routed offline with rulebook {book.version}: "
          f"{routed} provider referrals.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
