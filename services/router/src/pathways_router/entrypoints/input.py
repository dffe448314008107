"""Read referrals from a JSON file (one referral) or JSONL (one per line), streaming, keeping
line numbers so a bad line is reported by number while the others are still routed."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator, TextIO

from pathways_shared.contracts.referral_parsing import ReferralInvalid, parse_referral
from pathways_shared.contracts.referral_v1 import HouseholdReferral


def _open(path: str) -> TextIO:
    return sys.stdin if path == "-" else Path(path).open(encoding="utf-8")


def read_referrals(path: str) -> Iterator[tuple[int, HouseholdReferral | ReferralInvalid]]:
    """(line number, referral or the problems with it). A pretty-printed JSON document counts as line 1."""
    with _open(path) as handle:
        first = handle.readline()
        try:
            json.loads(first)
            jsonl = bool(first.strip())
        except ValueError:
            jsonl = False
        if not jsonl:
            yield 1, _parse(first + handle.read())
            return
        yield 1, _parse(first)
        for number, line in enumerate(handle, start=2):
            if line.strip():
                yield number, _parse(line)


def _parse(text: str) -> HouseholdReferral | ReferralInvalid:
    try:
        return parse_referral(text)
    except ReferralInvalid as exc:
        return exc
