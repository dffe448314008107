"""Caseload: open at the start, new, closed, open at the end, and the identity that must hold."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..state import Fold
from ..tables import Table, TableBuilder
from .common import ALL, providers

COLUMNS = ("open_at_start", "new", "closed", "open_at_end")


@dataclass(frozen=True)
class IdentityBroken:
    provider: str
    open_at_start: int
    new: int
    closed: int
    open_at_end: int
    provider_referrals: tuple[str, ...]   # those whose events do not reconcile

    def __str__(self) -> str:
        return (f"{self.provider}: open at start {self.open_at_start} + new {self.new} − closed {self.closed} = "
                f"{self.open_at_start + self.new - self.closed}, but {self.open_at_end} are open at the end "
                f"(check provider referrals {', '.join(self.provider_referrals) or 'none found'})")


def caseload(fold: Fold) -> tuple[Table, list[IdentityBroken]]:
    """Counted independently, so the identity start + new − closed = end is a real check: it fails
    when a provider referral closes twice, closes without having been raised, or reopens."""
    t = TableBuilder("caseload", "Caseload: provider referrals open at the start and end of the month",
                     ("provider", *COLUMNS, "capacity_at_end"), counts=frozenset(COLUMNS), additive=COLUMNS)
    broken, rows, totals = [], [], [0, 0, 0, 0]
    by_provider = defaultdict(list)
    for pr in fold.referrals.values():
        by_provider[pr.provider].append(pr)
    for provider in providers(fold):
        mine = by_provider[provider]
        start = sum(pr.open_at_start(fold.start) for pr in mine)
        new = sum(fold.in_month(pr.raised_at) for pr in mine)
        closed = sum(pr.closed_in_month for pr in mine)
        end = sum(pr.open_at_end() for pr in mine)
        if start + new - closed != end:
            odd = sorted(pr.id for pr in mine if pr.closed_in_month and (
                pr.raised_at is None or pr.closed_in_month > 1 or pr.open_at_end()
                or not (pr.open_at_start(fold.start) or fold.in_month(pr.raised_at))))
            broken.append(IdentityBroken(provider, start, new, closed, end, tuple(odd)))
        totals = [a + b for a, b in zip(totals, (start, new, closed, end))]
        capacity = fold.capacity.get(provider, (None, "not recorded"))[1]
        rows.append(t.add((provider, start, new, closed, end, capacity)))
    rows.append(t.add((ALL, *totals, "")))
    t.adds_up(rows[:-1], rows[-1])
    for row in rows:
        t.linked(row, COLUMNS)
    return t.build(), broken
