"""MOMS-1..6 (../shared/domain/POLICY.md §3, MOMS): each clause's pass and every non-pass branch.

The subject is the index person (Jordan, 22, male, released on licence 30 days ago from HMP
Liverpool, violent and convicted, resettling in Liverpool).
"""
import pytest

from pathways_router.domain.outcomes import Decision, Outcome


def moms(household, **index):
    return household(**index).decide("ix", "moms")


# MOMS-1 subject: the index person, male

def test_moms1_male_index_person_passes(household, clause):
    d = moms(household)
    c = clause(d, "MOMS-1")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "Jordan" in c.reason


@pytest.mark.parametrize("sex, label", [("female", "female"), ("not_known", "not known"),
                                        ("not_disclosed", "not disclosed"), ("other", "other")])
def test_moms1_not_male_is_ineligible(household, clause, sex, label):
    d = moms(household, sex=sex)
    c = clause(d, "MOMS-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert label in c.reason and "men" in c.reason


def test_moms1_family_member_is_ineligible(household, clause):
    d = household().member("m1", "sibling", given_name="Kyle", sex="male", age_years=24).decide("m1", "moms")
    c = clause(d, "MOMS-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "Kyle" in c.reason


# MOMS-2 age: under 30

@pytest.mark.parametrize("age, outcome", [(22, Outcome.passed), (30, Outcome.fail), (45, Outcome.fail)])
def test_moms2_age(household, clause, age, outcome):
    d = moms(household, age_years=age)
    c = clause(d, "MOMS-2")
    assert c.outcome is outcome
    assert d.decision is (Decision.eligible if outcome is Outcome.passed else Decision.ineligible)
    assert f"Jordan is {age}" in c.reason and "under 30" in c.reason


# MOMS-3 offence: serving a sentence for a violent offence

def test_moms3_violent_conviction_passes(household, clause):
    assert clause(moms(household), "MOMS-3").outcome is Outcome.passed


@pytest.mark.parametrize("offence", [{"violent": False, "convicted": True}, {"violent": True, "convicted": False},
                                     {"violent": True}, None])
def test_moms3_no_violent_sentence_is_ineligible(household, clause, offence):
    d = moms(household, offence=offence, violence_risk=True)
    c = clause(d, "MOMS-3")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "violent offence" in c.reason


# MOMS-4 prison: HMP Liverpool, Risley, Kirkham

@pytest.mark.parametrize("code, name", [("LPI", "HMP Liverpool"), ("RSI", "HMP Risley"), ("KMI", "HMP Kirkham")])
def test_moms4_moms_prisons_pass(household, clause, code, name):
    d = household().custody(40, establishment=code).decide("ix", "moms")
    c = clause(d, "MOMS-4")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and name in c.reason


@pytest.mark.parametrize("code, shown", [("ACI", "HMP Altcourse"), ("STI", "HMP Styal"), ("ZZI", "ZZI"),
                                         ("XQ9", "XQ9")])
def test_moms4_other_and_unknown_prisons_are_ineligible(household, clause, code, shown):
    d = household().custody(40, establishment=code).decide("ix", "moms")
    c = clause(d, "MOMS-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert c.reason.startswith(f"{shown}:") and "LPI, RSI, KMI" in c.reason


def test_moms4_no_prison_recorded_is_ineligible(household, clause):
    d = moms(household, establishment=None)
    c = clause(d, "MOMS-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "no prison recorded" in c.reason


# MOMS-5 resettling into Merseyside

@pytest.mark.parametrize("home, resettlement, outcome, label", [
    ("liverpool", None, Outcome.passed, "Liverpool"),
    ("st_helens", None, Outcome.passed, "St Helens"),
    ("halton", None, Outcome.fail, "Halton"),
    ("other", None, Outcome.fail, "outside the Liverpool City Region"),
    ("other", "liverpool", Outcome.passed, "Liverpool"),
    ("halton", "st_helens", Outcome.passed, "St Helens"),
    ("liverpool", "other", Outcome.fail, "outside the Liverpool City Region"),
    ("liverpool", "halton", Outcome.fail, "Halton"),
])
def test_moms5_resettlement_area(household, clause, home, resettlement, outcome, label):
    d = moms(household, local_authority=home, resettlement_local_authority=resettlement)
    c = clause(d, "MOMS-5")
    assert c.outcome is outcome
    assert d.decision is (Decision.eligible if outcome is Outcome.passed else Decision.ineligible)
    assert label in c.reason


# MOMS-6 stage: through the gate

def test_moms6_custody_inside_twelve_weeks(household, clause):
    d = household().custody(60).decide("ix", "moms")
    c = clause(d, "MOMS-6")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "60 days" in c.reason


def test_moms6_custody_further_out_is_not_yet_from_release_minus_84(household, clause):
    hh = household().custody(150)
    d = hh.decide("ix", "moms")
    c = clause(d, "MOMS-6")
    assert c.outcome is Outcome.not_yet and d.decision is Decision.not_yet
    assert c.eligible_from == d.eligible_from == hh.days(150 - 84)
    assert hh.days(66).isoformat() in c.reason


@pytest.mark.parametrize("stage", ["licence", "approved_premises"])
def test_moms6_newly_released(household, clause, stage):
    d = moms(household, stage=stage, release_date=household.days(-30))
    c = clause(d, "MOMS-6")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "30 days ago" in c.reason


@pytest.mark.parametrize("stage", ["licence", "approved_premises"])
def test_moms6_released_long_ago_is_ineligible(household, clause, stage):
    d = moms(household, stage=stage, release_date=household.days(-200))
    c = clause(d, "MOMS-6")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "200 days ago" in c.reason


@pytest.mark.parametrize("stage", ["remand", "recalled", "court", "arrested", "community_sentence", "post_sentence"])
def test_moms6_other_stages_are_ineligible(household, clause, stage):
    d = moms(household, stage=stage)
    c = clause(d, "MOMS-6")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "prison gate" in c.reason


@pytest.mark.parametrize("stage", ["custody", "licence", "approved_premises"])
def test_moms6_without_release_date_goes_to_review(household, clause, stage):
    d = moms(household, stage=stage, release_date=None)
    c = clause(d, "MOMS-6")
    assert c.outcome is Outcome.review and d.decision is Decision.review and "no release date" in c.reason


@pytest.mark.parametrize("consent", ["refused", "pending", "not_asked"])
def test_moms_has_no_consent_gate(household, consent):
    assert moms(household, consent_to_contact_family=consent).decision is Decision.eligible
