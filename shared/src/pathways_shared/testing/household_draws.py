"""Seeded draws for the synthetic household generator (testing/households.py).

Each takes the generator's own random source (or its bound `random` method), so every household
is the same for the same seed; they are small and fast because a 100k-household run calls them
millions of times.
"""
from __future__ import annotations

import random
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=65536)
def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def _uuid4(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (uuid.uuid4 would ignore the seed)."""
    h = "%032x" % (rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | 4 << 76 | 2 << 62)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pick(r, seq):
    return seq[int(r() * len(seq))]


def _between(r, lo: int, hi: int) -> int:
    """Like randint, inclusive, but several times faster (this is the hot path of a 100k-household run)."""
    return lo + int(r() * (hi - lo + 1))


def _maybe(r, target: dict, key: str, value) -> None:
    """Usually set the field; sometimes leave it out so that the contract's defaults are exercised."""
    if value is not None and r() < 0.9:
        target[key] = value
