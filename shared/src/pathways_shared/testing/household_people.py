"""The persons of a synthetic household (testing/households.py): the index person, with stage,
release date, prison and identifiers, and any family member, with a date of birth or an age.

Release dates fall on and either side of the 14- and 84-day windows, ages on every provider's
age bounds, and birthdays on or right after the referral date.
"""
from __future__ import annotations

import random
from datetime import date
from functools import lru_cache

from .household_draws import _between, _iso, _maybe, _pick
from .household_tables import (
    CONSENTS, ETHNICITY, FAMILY_NAMES, GIVEN_F, GIVEN_M, HOUSING_NEEDS, INDEX_AGE_EDGES, INDEX_SEX, LAS, LETTERS,
    NEEDS, OUTWARD, PRISONS, STAGES, WINDOW_EDGES,
)


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
