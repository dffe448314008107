"""Ages on and either side of every provider's bounds, release windows on and either side of every
window, and the referral date (../shared/domain/POLICY.md §1 "Age", §3 windows).

An age can arrive three ways and every bound is tried all three: as `age_years`; as a date of
birth whose birthday is the referral date itself (it counts); and as a date of birth whose next
birthday is the day after (it does not count yet).
"""
import re
from datetime import date, timedelta

import pytest

from pathways_router.domain.outcomes import Decision, Outcome

DAY = date(2026, 11, 2)  # the builder's default referral date


def age_fields(age: int, how: str) -> dict:
    if how == "age_years":
        return {"age_years": age}
    if how == "birthday_today":
        return {"date_of_birth": DAY.replace(year=DAY.year - age)}
    # Turns age + 1 tomorrow, so is still `age` today.
    return {"date_of_birth": DAY.replace(year=DAY.year - age - 1) + timedelta(days=1)}


def test_this_module_shares_the_builders_referral_date(household):
    assert household.DAY == DAY


def says_age(reason: str, age: int) -> bool:
    return re.search(rf"\b(is|aged) {age}\b", reason) is not None


HOW = ["age_years", "birthday_today", "birthday_tomorrow"]

# (provider, clause, subject, age, expected clause outcome)
BOUNDS = [
    ("pops", "POPS-1", "member", 17, Outcome.fail), ("pops", "POPS-1", "member", 18, Outcome.passed),
    ("tmuk", "TMUK-1", "child", 1, Outcome.fail), ("tmuk", "TMUK-1", "child", 2, Outcome.stretch),
    ("tmuk", "TMUK-1", "child", 4, Outcome.stretch), ("tmuk", "TMUK-1", "child", 5, Outcome.passed),
    ("tmuk", "TMUK-1", "child", 18, Outcome.passed), ("tmuk", "TMUK-1", "child", 19, Outcome.stretch),
    ("tmuk", "TMUK-1", "child", 20, Outcome.stretch), ("tmuk", "TMUK-1", "child", 21, Outcome.fail),
    ("shelter", "SHEL-2", "index", 17, Outcome.fail), ("shelter", "SHEL-2", "index", 18, Outcome.passed),
    ("shelter", "SHEL-2", "index", 25, Outcome.passed), ("shelter", "SHEL-2", "index", 26, Outcome.stretch),
    ("shelter", "SHEL-2", "index", 35, Outcome.stretch), ("shelter", "SHEL-2", "index", 36, Outcome.fail),
    ("moms", "MOMS-2", "index", 29, Outcome.passed), ("moms", "MOMS-2", "index", 30, Outcome.fail),
    ("magistra", "MAG-2", "index", 17, Outcome.fail), ("magistra", "MAG-2", "index", 18, Outcome.passed),
    ("magistra", "MAG-2", "index", 30, Outcome.passed), ("magistra", "MAG-2", "index", 31, Outcome.fail),
]
DECISION = {Outcome.passed: Decision.eligible, Outcome.stretch: Decision.stretch, Outcome.fail: Decision.ineligible}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("provider, clause_id, subject, age, outcome", BOUNDS,
                         ids=[f"{p}-{a}" for p, _, _, a, _ in BOUNDS])
def test_age_bound(household, clause, provider, clause_id, subject, age, outcome, how):
    hh = household()
    if provider == "magistra":
        hh.custody(49)
    if subject == "index":
        hh.index(**age_fields(age, how))
        ref = "ix"
    else:
        relationship = "sibling" if subject == "member" or age >= 19 else "child"
        hh.member("s1", relationship, given_name="Sam", **age_fields(age, how))
        ref = "s1"
    d = hh.decide(ref, provider)
    c = clause(d, clause_id)
    assert c.outcome is outcome, c.reason
    assert d.decision is DECISION[outcome], [(x.id, x.reason) for x in d.clauses if x.outcome is not Outcome.passed]
    assert says_age(c.reason, age), c.reason


@pytest.mark.parametrize("referred, age, pops", [
    ("2026-02-28T12:00:00Z", 17, Decision.ineligible),  # a common year: no 29 February to turn 18 on
    ("2026-03-01T12:00:00Z", 18, Decision.eligible),
    ("2028-02-28T12:00:00Z", 19, Decision.eligible),
    ("2028-02-29T12:00:00Z", 20, Decision.eligible),
])
def test_leap_day_birthday(household, clause, referred, age, pops):
    d = household(referred_at=referred).member("s1", "sibling", date_of_birth=date(2008, 2, 29)).decide("s1", "pops")
    assert says_age(clause(d, "POPS-1").reason, age)
    assert d.decision is pops


# Release windows

@pytest.mark.parametrize("provider, clause_id, window", [("pops", "POPS-2", 84), ("shelter", "SHEL-6", 14),
                                                          ("moms", "MOMS-6", 84)])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_custody_window(household, clause, provider, clause_id, window, offset):
    days = window + offset
    hh = household().custody(days).member("m1", "mother", age_years=47)
    d = hh.decide("m1" if provider == "pops" else "ix", provider)
    c = clause(d, clause_id)
    assert f"{days} days" in c.reason
    if offset <= 0:
        assert (c.outcome, d.decision, d.eligible_from) == (Outcome.passed, Decision.eligible, None)
    else:
        opens = hh.days(days) - timedelta(days=window)
        assert opens == hh.days(1)
        assert (c.outcome, d.decision) == (Outcome.not_yet, Decision.not_yet)
        assert c.eligible_from == d.eligible_from == opens and opens.isoformat() in c.reason


@pytest.mark.parametrize("stage", ["licence", "approved_premises"])
@pytest.mark.parametrize("days_since, outcome", [(83, Outcome.passed), (84, Outcome.passed), (85, Outcome.fail)])
def test_moms_newly_released_window(household, clause, stage, days_since, outcome):
    d = household(stage=stage, release_date=household.days(-days_since)).decide("ix", "moms")
    c = clause(d, "MOMS-6")
    assert c.outcome is outcome and f"{days_since} days ago" in c.reason
    assert d.decision is DECISION[outcome]


@pytest.mark.parametrize("provider, ref", [("pops", "m1"), ("shelter", "ix"), ("moms", "ix")])
def test_custody_without_release_date_is_review(household, provider, ref):
    d = household().custody(None).member("m1", "mother", age_years=47).decide(ref, provider)
    assert d.decision is Decision.review and d.eligible_from is None


# The referral date: Europe/London's calendar day of referred_at, or an explicit as-of date

@pytest.mark.parametrize("referred_at", ["2026-06-30T23:30:00Z", "2026-07-01T00:30:00+01:00",
                                         "2026-07-01T08:00:00+09:00"])
def test_referral_date_is_the_london_calendar_day(household, clause, referred_at):
    # 1 July in London. On 30 June (the UTC date of the first two) the release would be 85 days
    # away and the family member still 17.
    hh = household(referred_at=referred_at).custody(None).index(release_date=date(2026, 9, 23)) \
        .member("m1", "sibling", date_of_birth=date(2008, 7, 1))
    d = hh.decide("m1", "pops")
    assert "84 days" in clause(d, "POPS-2").reason
    assert says_age(clause(d, "POPS-1").reason, 18)
    assert d.decision is Decision.eligible


def test_referral_date_in_winter_is_the_utc_day(household, clause):
    # GMT: 23:30Z on 31 December is still 31 December in London.
    hh = household(referred_at="2026-12-31T23:30:00Z").custody(None).index(release_date=date(2027, 3, 25))
    assert "84 days" in clause(hh.decide("ix", "moms"), "MOMS-6").reason


def test_referral_date_from_an_offset_timestamp_is_converted(household, clause):
    # 01:30 at +05:00 on 2 November is 20:30 on 1 November in London.
    hh = household(referred_at="2026-11-02T01:30:00+05:00").custody(None).index(release_date=date(2027, 1, 24))
    assert "84 days" in clause(hh.decide("ix", "moms"), "MOMS-6").reason


def test_as_of_overrides_the_referral_date(household, clause):
    hh = household().custody(100).member("m1", "mother", age_years=47)
    assert hh.decide("m1", "pops").decision is Decision.not_yet
    later = hh.decide("m1", "pops", as_of=hh.days(16))
    assert later.decision is Decision.eligible and "84 days" in clause(later, "POPS-2").reason


def test_as_of_moves_ages_too(household, clause):
    hh = household().member("m1", "sibling", date_of_birth=date(2008, 11, 3))
    assert hh.decide("m1", "pops").decision is Decision.ineligible
    assert hh.decide("m1", "pops", as_of=date(2026, 11, 3)).decision is Decision.eligible
