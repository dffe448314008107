"""Synthetic household referrals: valid v1 documents that spread over the whole routing policy.

Contract: ../shared/contracts/household-referral-v1.md; policy: ../shared/domain/POLICY.md. Every
stage, release dates on and either side of the 14- and 84-day windows, every local authority,
ages on every provider's age bounds, every consent value, known and unknown prison codes. Names
come from short built-in lists, so any likeness to a real person is chance. Deterministic per seed.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pathways_shared.contracts.vocabulary import LocalAuthority, Need, SourceType

if TYPE_CHECKING:  # hypothesis is a test dependency, imported only when the strategy is asked for
    from hypothesis.strategies import SearchStrategy

DEFAULT_REFERRED_AT = (date(2026, 10, 1), date(2026, 12, 31))
LAS = tuple(LocalAuthority)
NEEDS = tuple(Need)
HOUSING_NEEDS = ("housing", "homelessness_risk", "tenancy")
# Weighted pools: an item repeated n times is n times as likely; simplest cases first (they shrink there).
STAGES = ("custody",) * 5 + ("licence",) * 4 + ("community_sentence",) * 3 + ("approved_premises",) * 2 + (
    "court", "court", "remand", "recalled", "arrested", "post_sentence")
SOURCES = tuple(SourceType) + ("probation_auto_feed",) * 4 + ("probation_practitioner",) * 3 + ("prison",) * 2
PRISONS = ("LPI", "LPI", "LPI", "ACI", "HII", "RSI", "KMI", "STI", "LFI", "TCI", "WMI", "PNI", "MRI", "FBI",
           "BCI", "ZZI", "XQ9", "HMPNOWHR")  # the last three match no prison in the policy
CONSENTS = ("granted",) * 6 + ("pending", "pending", "refused", "not_asked", None)
INDEX_SEX = ("male",) * 14 + ("female",) * 4 + ("other", "not_known", "not_disclosed")
# Ages on each bound: Shelter 18-25/26-35, MOMS under 30, Magistra 18-30, YOS transition at 17.
INDEX_AGE_EDGES = (17, 18, 25, 26, 29, 30, 31, 35, 36)
# TMUK 2-4 stretch, 5-18 core, 19-20 stretch; POPS adults from 18.
YOUNG_AGE_EDGES = (0, 1, 2, 4, 5, 18, 19, 20, 21)
WINDOW_EDGES = (0, 1, 13, 14, 15, 83, 84, 85)  # days to/since release around the 14- and 84-day windows
FAMILY_SIZES = (0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6)
MAIN_CARERS = ("partner",) * 9 + ("mother",) * 6 + ("grandparent", "grandparent", "father", "carer", "parent")
OTHER_ADULTS = ("sibling", "sibling", "mother", "father", "grandparent", "other_relative", "parent", "other")
SEX_OF = {"mother": "female", "father": "male"}
# Years added to the index person's age, by relationship, for a plausible adult relative.
AGE_GAP = {"partner": (-6, 8), "mother": (17, 40), "father": (18, 45), "parent": (17, 40),
           "grandparent": (36, 60), "carer": (-10, 40), "sibling": (-10, 10), "other_relative": (-20, 30),
           "other": (-15, 30)}
GIVEN_F = ("Amy", "Beth", "Carly", "Dawn", "Erin", "Faye", "Gemma", "Holly", "Jade", "Kayleigh", "Leanne", "Nia")
GIVEN_M = ("Adam", "Ben", "Callum", "Dean", "Ethan", "Finn", "Gary", "Jake", "Kyle", "Liam", "Owen", "Reece")
FAMILY_NAMES = ("Ashby", "Barlow", "Corran", "Delaney", "Ennis", "Fenwick", "Garside", "Hollis", "Ireton",
                "Jessop", "Kinsella", "Lomax", "Marland", "Nolan", "Orrell", "Pendle", "Quayle", "Rigby")
OUTWARD = {"liverpool": ("L4", "L8", "L11"), "knowsley": ("L36", "L28"), "sefton": ("L20", "PR8"),
           "st_helens": ("WA9", "WA10"), "wirral": ("CH41", "CH44"), "halton": ("WA7", "WA8"),
           "other": ("M1", "PR1", "WN5")}
ETHNICITY = ("White: English, Welsh, Scottish, Northern Irish or British", "White: Irish",
             "Mixed or Multiple ethnic groups: White and Black Caribbean", "Black, Black British, Caribbean or "
             "African: African", "Asian or Asian British: Chinese", "Other ethnic group: Arab")
ORGANISATIONS = {"probation_auto_feed": "Probation Service North West", "prison": "Prison resettlement team",
                 "court": "Court family support desk", "youth_justice": "Youth Justice Service",
                 "school": "Primary school safeguarding lead", "provider": "Partner provider"}
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")


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


def _index_person(rng: random.Random, today: int) -> tuple[dict, int]:
    r = rng.random
    age = _pick(r, INDEX_AGE_EDGES) if r() < 0.45 else (_between(r, 16, 17) if r() < 0.03 else _between(r, 18, 65))
    la = _pick(r, LAS)
    person = _person(rng, "ix", age, today, _pick(r, INDEX_SEX), None, la)
    person["stage"] = stage = _pick(r, STAGES)
    days = _pick(r, WINDOW_EDGES) if r() < 0.4 else _between(r, 0, 400)
    if stage in ("custody", "remand") and r() < (0.97 if stage == "custody" else 0.5):
        person["release_date"] = _iso(today + days)
    elif stage in ("licence", "approved_premises") or stage == "recalled" and r() < 0.3:
        person["release_date"] = _iso(today - days)
    if stage in ("custody", "remand", "recalled") or stage in ("licence", "approved_premises") and r() < 0.7:
        person["establishment"] = _pick(r, PRISONS)
    if stage in ("custody", "remand", "recalled", "licence", "approved_premises") and r() < 0.2:
        person["resettlement_local_authority"] = _pick(r, LAS)
    elif r() < 0.05:
        person["resettlement_local_authority"] = la
    violent = r() < 0.45
    if r() < 0.95:
        convicted = stage not in ("arrested", "court", "remand") and r() < 0.97
        person["offence"] = {"violent": violent, "convicted": convicted}
    _maybe(r, person, "violence_risk", r() < (0.8 if violent else 0.12))
    _maybe(r, person, "past_custody", r() < 0.35)
    _maybe(r, person, "youth_justice_transition", r() < (0.5 if age <= 18 else 0.01))
    _maybe(r, person, "consent_to_contact_family", _pick(r, CONSENTS))
    if r() < 0.4:
        person["needs"] = list(dict.fromkeys([_pick(r, HOUSING_NEEDS), *person.get("needs", ())]))
    ids = [{"type": "CRN", "value": f"X{_between(r, 100000, 999999)}"}] if r() < 0.85 else []
    if not ids or r() < 0.6:
        ids.append({"type": "NOMS", "value": f"A{_between(r, 1000, 9999)}{_pick(r, LETTERS)}{_pick(r, LETTERS)}"})
    if r() < 0.03:
        ids.append({"type": "LOCAL", "value": f"REF-{_between(r, 1000, 9999)}"})
    person["identifiers"] = ids
    return person, age


def _person(rng: random.Random, ref: str, age: int, today: int, sex: str | None, family_name: str | None,
            la: str) -> dict:
    r = rng.random
    sex = sex or ("female" if r() < 0.49 else "male" if r() < 0.97 else _pick(r, ("not_known", "other")))
    names = GIVEN_F if sex == "female" else GIVEN_M if sex == "male" else GIVEN_F + GIVEN_M
    person = {"person_ref": ref, "given_name": _pick(r, names),
              "family_name": family_name or _pick(r, FAMILY_NAMES), "sex": sex, "local_authority": la}
    if r() < 0.8:
        person["date_of_birth"] = _date_of_birth(r, age, today)
    else:
        person["age_years"] = age
    needs = list({_pick(r, NEEDS): None for _ in range(int(r() * 4))})
    if needs or r() < 0.7:
        person["needs"] = needs
    if r() < 0.3:
        person["ethnicity"] = _pick(r, ETHNICITY)
    if r() < 0.5:
        person["contact"] = {"phone": f"07700 900{_between(r, 0, 999):03d}"}  # Ofcom's drama range
    if r() < 0.2:
        person["postcode"] = f"{_pick(r, OUTWARD[la])} {_between(r, 1, 9)}ZZ"
    return person


def _date_of_birth(r, age: int, today: int) -> str:
    """A date of birth giving exactly `age` whole years on day `today`; birthdays on or right after
    the referral date are over-represented because that is where age arithmetic goes wrong."""
    earliest, latest = _birthdays(today, age)
    x = r()
    dob = latest if x < 0.1 else earliest if x < 0.2 else _between(r, earliest, latest)
    return _iso(dob)


@lru_cache(maxsize=65536)
def _birthdays(today: int, age: int) -> tuple[int, int]:
    """The first and last day of birth that make someone `age` on day `today`."""
    d = date.fromordinal(today)
    return _anniversary(d, age + 1) + 1, _anniversary(d, age)


def _anniversary(d: date, years: int) -> int:
    try:
        return d.replace(year=d.year - years).toordinal()
    except ValueError:  # 29 February in a year without one
        return date(d.year - years, 2, 28).toordinal()


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
