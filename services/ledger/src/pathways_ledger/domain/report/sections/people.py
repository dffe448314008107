"""Who the month's provider referrals were for (demographics), Outcomes Star distance travelled,
and data quality: all from person profiles and readings, never from identities."""
from __future__ import annotations

from collections import Counter, defaultdict

from pathways_shared.contracts.lifecycle import STAR_FACTORS
from pathways_shared.contracts.profiles import AGE_BAND_ORDER, ETHNICITY_GROUPS, OPTIONAL_FIELDS
from pathways_shared.contracts.vocabulary import LocalAuthority, Sex

from ..state import Fold
from ..tables import Table, TableBuilder
from .common import ALL, new_referrals, providers

NO_PROFILE = "no_profile"
DIMENSIONS = (("age_band", AGE_BAND_ORDER), ("sex", tuple(Sex)), ("ethnicity_group", ETHNICITY_GROUPS),
              ("local_authority", tuple(LocalAuthority)))


def persons_by_provider(fold: Fold) -> dict[str, dict[str, tuple | None]]:
    """provider → pseudonym → profile, for each person on a provider referral raised in the month
    (their first presentation in the month); 'all' counts each person once across providers."""
    return fold.derived("persons_by_provider", _persons_by_provider)


def _persons_by_provider(fold: Fold) -> dict[str, dict[str, tuple | None]]:
    found: dict[str, dict] = defaultdict(dict)
    for pr in new_referrals(fold):
        for ref, pseudonym in pr.persons:
            profile = fold.profiles.get((pr.referral_id, ref))
            found[pr.provider].setdefault(pseudonym, profile)
            found[ALL].setdefault(pseudonym, profile)
    return found


def demographics(fold: Fold) -> list[Table]:
    persons, tables = persons_by_provider(fold), []
    for at, (dimension, values) in enumerate(DIMENSIONS):
        t = TableBuilder(f"demographics_{dimension}", f"Persons on the month's provider referrals by {dimension}",
                         ("provider", dimension, "persons"), counts=frozenset({"persons"}), additive=("persons",),
                         note="Each person once per provider; 'all' counts each person once overall.")
        for provider in [*providers(fold), ALL]:
            profiles = list(persons.get(provider, {}).values())
            found = Counter(p[at] for p in profiles if p)
            parts = [t.add((provider, str(v), found[v])) for v in values]
            parts.append(t.add((provider, NO_PROFILE, sum(1 for p in profiles if p is None))))
            t.adds_up(parts, t.add((provider, ALL, len(profiles))))
        tables.append(t.build())
    return tables


def outcome_star(fold: Fold) -> Table:
    """First reading → latest reading per person and provider referral, for those read twice or more."""
    moved = defaultdict(list)
    for (pr_id, _), (first, latest) in sorted(fold.stars.items()):
        if first[:2] != latest[:2]:
            moved[fold.referrals[pr_id].provider].append((first[2], latest[2]))
    t = TableBuilder("outcome_star", "Outcomes Star distance travelled per factor (first reading → latest)",
                     ("provider", "factor", "persons", "mean_first", "mean_latest", "mean_change"),
                     counts=frozenset({"persons"}),
                     guards=(("mean_first", "persons"), ("mean_latest", "persons"), ("mean_change", "persons")))
    for provider, pairs in sorted(moved.items()):
        for factor in STAR_FACTORS:
            scored = [(f[factor], l[factor]) for f, l in pairs if factor in f and factor in l]
            if scored:
                first = sum(a for a, _ in scored) / len(scored)
                latest = sum(b for _, b in scored) / len(scored)
                t.add((provider, factor, len(scored), round(first, 2), round(latest, 2), round(latest - first, 2)))
    return t.build()


def data_quality(fold: Fold) -> Table:
    persons = persons_by_provider(fold)
    t = TableBuilder("data_quality", "Share of person records missing each optional field",
                     ("provider", "field", "records", "missing", "share_missing_percent"),
                     counts=frozenset({"records", "missing"}),
                     guards=(("share_missing_percent", "missing"), ("share_missing_percent", "records")))
    for provider in [*providers(fold), ALL]:
        profiles = list(persons.get(provider, {}).values())
        unknown = sum(1 for p in profiles if p is None)
        lacking = Counter(field for p in profiles if p is not None for field in set(p[4]))
        for field in (*OPTIONAL_FIELDS, NO_PROFILE):
            missing = unknown + (0 if field == NO_PROFILE else lacking[field])
            share = round(100 * missing / len(profiles), 1) if profiles else None
            t.add((provider, field, len(profiles), missing, share))
    return t.build()
