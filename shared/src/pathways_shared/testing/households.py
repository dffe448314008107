"""Synthetic household referrals: valid v1 documents that spread over the whole routing policy.

Contract: ../shared/contracts/household-referral-v1.md; policy: ../shared/domain/POLICY.md. Every
stage, release dates on and either side of the 14- and 84-day windows, every local authority,
ages on every provider's age bounds, every consent value, known and unknown prison codes. Names
come from short built-in lists, so any likeness to a real person is chance. Deterministic per seed.
Its tables are in household_tables.py, its persons are built in household_people.py, and its seeded
draws are in household_draws.py.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .household_draws import _between, _iso, _maybe, _pick, _uuid4
from .household_people import _index_person, _person
from .household_tables import (
    AGE_GAP, CONSENTS, FAMILY_NAMES, FAMILY_SIZES, GIVEN_F, GIVEN_M, LAS, MAIN_CARERS, ORGANISATIONS, OTHER_ADULTS,
    PROVIDERS, SEX_OF, SOURCES, YOUNG_AGE_EDGES,
)

if TYPE_CHECKING:  # hypothesis is a test dependency, imported only when the strategy is asked for
    from hypothesis.strategies import SearchStrategy

DEFAULT_REFERRED_AT = (date(2026, 10, 1), date(2026, 12, 31))


def generate_households(n: int, seed: int, *, referred_at_range: tuple[date, date] = DEFAULT_REFERRED_AT
                        ) -> Iterator[dict]:
    """Yield n household referral documents (JSON-ready dicts), the same ones for the same seed."""
    rng = random.Random(seed)
    first, last = referred_at_range[0].toordinal(), referred_at_range[1].toordinal()
    for _ in range(n):
        yield _household(rng, first, last)


def household_referrals(*, referred_at_range: tuple[date, date] = DEFAULT_REFERRED_AT) -> SearchStrategy[dict]:
    """Hypothesis strategy over the same space: the same builder driven by a Hypothesis-controlled
    random source, so the two never drift apart and failures still shrink towards simple cases."""
    from hypothesis import strategies as st

    first, last = referred_at_range[0].toordinal(), referred_at_range[1].toordinal()
    return st.randoms(use_true_random=False).map(lambda rng: _household(rng, first, last))


def write_jsonl(path: str | Path, n: int, seed: int, *,
                referred_at_range: tuple[date, date] = DEFAULT_REFERRED_AT) -> Path:
    """Write n households, one JSON document a line, streaming (constant memory)."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        for doc in generate_households(n, seed, referred_at_range=referred_at_range):
            out.write(json.dumps(doc, separators=(",", ":")) + "\n")
    return path


def _household(rng: random.Random, first: int, last: int) -> dict:
    r = rng.random
    today = _between(r, first, last)
    referral_id = _uuid4(rng)
    index, index_age = _index_person(rng, today)
    family_name, home = index["family_name"], index["local_authority"]
    members: list[dict] = []
    carer = None
    for i in range(_pick(r, FAMILY_SIZES)):
        ref = f"m{i + 1}"
        if i == 0 and r() < 0.9 or i > 0 and r() < 0.35:  # an adult: first usually the main carer
            relation = _pick(r, MAIN_CARERS if i == 0 else OTHER_ADULTS)
            if r() < 0.12:  # on the POPS age bound
                age, relation = _pick(r, (17, 18)), _pick(r, ("sibling", "partner", "other_relative"))
            else:
                lo, hi = AGE_GAP[relation]
                age = min(95, max(18, index_age + _between(r, lo, hi)))
            sex = SEX_OF.get(relation) or ("female" if relation == "partner" and index["sex"] == "male" else None)
            member = _person(rng, ref, age, today, sex, family_name if relation != "partner" or r() < .3 else None,
                             home if r() < 0.85 else _pick(r, LAS))
            carer = carer or (ref if age >= 18 else None)
        else:
            age = _pick(r, YOUNG_AGE_EDGES) if r() < 0.4 else _between(r, 0, 17)
            gap = index_age - age
            relation = (_pick(r, ("child",) * 6 + ("step_child",) * 2 + ("sibling", "other")) if gap >= 16
                        else _pick(r, ("sibling", "sibling", "other_relative", "other")))
            relation = "grandchild" if gap >= 36 and r() < 0.5 else relation
            member = _person(rng, ref, age, today, None, family_name, home if r() < 0.9 else _pick(r, LAS))
            if carer and age < 18 and r() < 0.95:
                member["carer_ref"] = carer
        member["relationship"] = relation
        member["lives_with_index"] = r() < 0.35
        _maybe(r, member, "consent_to_contact", _pick(r, CONSENTS))
        if r() < 0.55:
            member["no_contact_with_index"] = r() < 0.12
        members.append(member)
    doc = {"schema_version": "1", "referral_id": referral_id, "referred_at": _timestamp(r, today),
           "source": _source(rng), "index_person": index}
    if members or r() < 0.5:  # an empty family is sometimes sent as [] and sometimes left out
        doc["family_members"] = members
    return doc


def _source(rng: random.Random) -> dict:
    r = rng.random
    kind = _pick(r, SOURCES)
    source = {"type": kind, "organisation": ORGANISATIONS.get(kind, "Merseyside referrer")}
    if kind == "provider":
        source["provider_id"] = _pick(r, PROVIDERS)
        if r() < 0.6:
            source["parent_referral_id"] = _uuid4(rng)
    if r() < 0.3:
        source["contact_name"] = f"{_pick(r, GIVEN_F + GIVEN_M)} {_pick(r, FAMILY_NAMES)}"
        source["contact_email"] = "referrals@example.org"
    return source


def _timestamp(r, today: int) -> str:
    # Office hours in UTC, so the referral's UTC date is also its Merseyside calendar date.
    second = _between(r, 8 * 3600, 18 * 3600)
    return f"{_iso(today)}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
