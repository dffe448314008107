"""Providers and their criteria are data (../shared/domain/POLICY.md §3, "Providers are configuration"):
a sixth provider comes from a rulebook fixture alone, and changing a parameter changes decisions."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pathways_router.adapters.rulebook_yaml import parse_rulebook
from pathways_router.domain.outcomes import Decision, Outcome
from pathways_router.service_layer.routing import decision_row

DWP = Path(__file__).resolve().parents[1] / "fixtures" / "dwp-work-coaches.yaml"


@pytest.fixture(scope="module")
def dwp_text():
    from importlib.resources import files
    packaged = (files("pathways_router.rulebooks") / "policy-v1.yaml").read_text(encoding="utf-8")
    return packaged + DWP.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dwp_book(dwp_text):
    return parse_rulebook(dwp_text, "policy-v1+dwp.yaml")


def test_the_sixth_provider_is_loaded_after_the_five(dwp_book):
    assert [p.id for p in dwp_book.providers] == ["pops", "tmuk", "shelter", "moms", "magistra", "dwp"]


@pytest.mark.parametrize("days, outcome, decision", [(83, Outcome.passed, Decision.eligible),
                                                     (84, Outcome.passed, Decision.eligible),
                                                     (85, Outcome.not_yet, Decision.not_yet),
                                                     (300, Outcome.not_yet, Decision.not_yet)])
def test_dwp_twelve_weeks_before_release(household, clause, dwp_book, days, outcome, decision):
    hh = household().custody(days)
    d = hh.decide("ix", "dwp", book=dwp_book)
    c = clause(d, "DWP-2")
    assert (c.outcome, d.decision) == (outcome, decision)
    assert f"{days} days" in c.reason
    if decision is Decision.not_yet:
        assert d.eligible_from == hh.days(days - 84) and hh.days(days - 84).isoformat() in c.reason
    else:
        assert d.eligible_from is None


def test_dwp_serves_only_the_index_person_in_custody(household, clause, dwp_book):
    routing = household().custody(40).member("m1", "mother", age_years=47).route(dwp_book)
    by = {(d.person_ref, d.provider): d for d in routing.decisions}
    assert by["m1", "dwp"].decision is Decision.ineligible and by["m1", "dwp"].failed == ["DWP-1"]
    dwp = [p for p in routing.provider_referrals if p.provider == "dwp"]
    assert len(dwp) == 1 and dwp[0].subjects == ["ix"]
    licence = household().decide("ix", "dwp", book=dwp_book)
    assert licence.decision is Decision.ineligible and "on licence" in clause(licence, "DWP-2").reason


def test_adding_a_provider_leaves_the_other_five_unchanged(household, dwp_book):
    hh = household().custody(60).member("m1", "mother", age_years=47).child("c1", 3, carer_ref="m1")
    rows = lambda routing: [decision_row(d) for d in routing.decisions if d.provider != "dwp"]  # noqa: E731
    assert rows(hh.route(dwp_book)) == rows(hh.route())


def test_dwp_decisions_appear_in_pathways_route_output(household, dwp_text, tmp_path):
    rulebook = tmp_path / "with-dwp.yaml"
    rulebook.write_text(dwp_text, encoding="utf-8")
    referral = tmp_path / "referral.jsonl"
    near, far = household().custody(84).doc, household().custody(85).doc
    referral.write_text(json.dumps(near) + "\n" + json.dumps(far) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pathways_shared.cli", "route", "--input", str(referral),
                           "--rulebook", str(rulebook)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    dwp = [row for row in map(json.loads, done.stdout.splitlines()) if row["provider"] == "dwp"]
    assert [(r["person_ref"], r["decision"], r["eligible_from"]) for r in dwp] == [
        ("ix", "eligible", None), ("ix", "not_yet", household.days(1).isoformat())]
    assert [c["id"] for c in dwp[0]["clauses"]] == ["DWP-1", "DWP-2"]


# Parameters are data: the commissioner changes them without a release.
# POPS-6: the original 18–25 violent-offence criteria, switched on; a 17-year-old leaving youth justice counts.
@pytest.mark.parametrize("index, outcome, why", [
    (dict(age_years=30), Outcome.fail, "30"),
    (dict(age_years=26), Outcome.fail, "26"),
    (dict(age_years=17, youth_justice_transition=False), Outcome.fail, "17"),
    (dict(age_years=17, youth_justice_transition=True), Outcome.passed, None),
    (dict(age_years=18), Outcome.passed, None),
    (dict(age_years=25), Outcome.passed, None),
    (dict(age_years=22, offence={"violent": False, "convicted": True}), Outcome.fail, "violent"),
    (dict(age_years=17, youth_justice_transition=True, offence={"violent": False}), Outcome.fail, "violent"),
])
def test_pops6_restricted_index_criteria(household, clause, variant, index, outcome, why):
    book = variant("pops", restrict_index=True)
    d = household(**index).member("m1", "mother", age_years=47).decide("m1", "pops", book=book)
    c = clause(d, "POPS-6")
    assert c.outcome is outcome
    assert d.decision is (Decision.eligible if outcome is Outcome.passed else Decision.ineligible)
    if why:
        assert why in c.reason


def test_tmuk_core_ages_parameter(household, clause, variant):
    hh = household().child("c1", 4, given_name="Leo")
    assert hh.decide("c1", "tmuk").decision is Decision.stretch
    d = hh.decide("c1", "tmuk", book=variant("tmuk", core_ages=[4, 18]))
    assert d.decision is Decision.eligible and "core range 4–18" in clause(d, "TMUK-1").reason
    older = household().child("c1", 18).decide("c1", "tmuk", book=variant("tmuk", core_ages=[5, 17]))
    assert older.decision is Decision.ineligible


def test_pops_pre_release_days_parameter(household, clause, variant):
    book = variant("pops", pre_release_days=100)
    hh = household().custody(100).member("m1", "mother", age_years=47)
    assert hh.decide("m1", "pops").decision is Decision.not_yet
    d = hh.decide("m1", "pops", book=book)
    assert d.decision is Decision.eligible and "opens 100 days before release" in clause(d, "POPS-2").reason
    later = household().custody(101).member("m1", "mother", age_years=47)
    assert later.decide("m1", "pops", book=book).eligible_from == household.days(1)


def test_magistra_age_cap_parameter(household, variant):
    # The sources show Magistra's cap moving from 25 to 30; moving it back is a data change.
    hh = household(age_years=28).custody(49)
    assert hh.decide("ix", "magistra").decision is Decision.eligible
    assert hh.decide("ix", "magistra", book=variant("magistra", ages=[18, 25])).decision is Decision.ineligible


def test_moms_prisons_parameter(household, variant):
    hh = household().custody(40, establishment="ACI")
    assert hh.decide("ix", "moms").decision is Decision.ineligible
    assert hh.decide("ix", "moms", book=variant("moms", prisons=["LPI", "RSI", "KMI", "ACI"])).decision \
        is Decision.eligible
