"""New provider referrals by source, and the cross-referrals between providers."""
from __future__ import annotations

from collections import Counter, defaultdict

from ..state import Fold
from ..tables import Table, TableBuilder
from .common import ALL, STATUSES, chain_label, new_referrals, onward_from, providers, source_of


def new_by_source(fold: Fold) -> Table:
    """Provider referrals, presentations (persons on them, plus duplicate presentations) and unique
    persons, by provider and source. Unique persons do not add up across rows; the rest do."""
    cells = defaultdict(lambda: [0, 0, 0, set()])  # (provider, source) → referrals, presentations, dups, persons
    for pr in new_referrals(fold):
        for key in ((pr.provider, source_of(fold, pr)), (pr.provider, ALL), (ALL, source_of(fold, pr)), (ALL, ALL)):
            cell = cells[key]
            cell[0] += 1
            cell[1] += len(pr.persons)
            cell[3].update(p for _, p in pr.persons)
    for provider, pseudonym, referral, _ in fold.duplicates:
        source = fold.sources.get(referral, "unknown")
        for key in ((provider, source), (provider, ALL), (ALL, source), (ALL, ALL)):
            cell = cells[key]
            cell[1], cell[2] = cell[1] + 1, cell[2] + 1
            cell[3].add(pseudonym)
    t = TableBuilder("new_referrals", "New provider referrals by source",
                     ("provider", "source", "provider_referrals", "presentations", "duplicate_presentations",
                      "unique_persons"),
                     counts=frozenset({"provider_referrals", "presentations", "duplicate_presentations",
                                       "unique_persons"}),
                     additive=("provider_referrals", "presentations", "duplicate_presentations"),
                     note="Presentations count each person on each provider referral, and each duplicate "
                          "presentation; unique persons count each pseudonym once.")
    sources = sorted({s for _, s in cells if s != ALL})
    at = {}
    for provider in [*providers(fold), ALL]:
        for source in [*sources, ALL]:
            if (provider, source) in cells or source == ALL:
                c = cells[(provider, source)]
                at[(provider, source)] = t.add((provider, source, c[0], c[1], c[2], len(c[3])))
    for provider in [*providers(fold), ALL]:
        t.adds_up([at[(provider, s)] for s in sources if (provider, s) in at], at[(provider, ALL)])
    for source in [*sources, ALL]:
        t.adds_up([at[(p, source)] for p in providers(fold) if (p, source) in at], at[(ALL, source)])
    return t.build()


def cross_referrals(fold: Fold) -> tuple[Table, Table]:
    """The from × to matrix of onward referrals raised in the month, with each one's status at
    the month's end; and the chains they end, most common first."""
    onward = [(onward_from(fold, pr), pr) for pr in new_referrals(fold)]
    onward = [(origin, pr) for origin, pr in onward if origin]
    matrix = defaultdict(Counter)
    for origin, pr in onward:
        matrix[(origin, pr.provider)][pr.status(pr.at_end)] += 1
    columns = ("from_provider", "to_provider", "referrals", *STATUSES)
    t = TableBuilder("cross_referrals", "Onward referrals between providers, and what became of them", columns,
                     counts=frozenset(columns[2:]), additive=columns[2:])
    rows = [t.add((a, b, sum(c.values()), *(c[s] for s in STATUSES))) for (a, b), c in sorted(matrix.items())]
    total = t.add((ALL, ALL, len(onward), *(sum(matrix[k][s] for k in matrix) for s in STATUSES)))
    t.adds_up(rows, total)
    for row in [*rows, total]:  # across a row, the statuses add up to its referrals
        t.row_adds_up(row, STATUSES, "referrals")
    chains = Counter(chain_label(fold, pr) for _, pr in onward)
    c = TableBuilder("chains", "Most common chains of onward referrals", ("chain", "referrals"),
                     counts=frozenset({"referrals"}),
                     note="Each onward referral raised in the month, with the referrals it came from.")
    for chain, n in sorted(chains.items(), key=lambda kv: (-kv[1], kv[0]))[:20]:
        c.add((chain, n))
    return t.build(), c.build()
