"""SHEL-1..6 (../shared/domain/POLICY.md §3, Shelter): each clause's pass and every non-pass branch.
SHEL-7 (the household on the provider referral) is in test_grouping.py.

The subject is the index person (Jordan, 22, on licence, Liverpool, violent, housing need).
"""
import pytest

from pathways_router.domain.outcomes import Decision, Outcome


def shelter(household, **index):
    return household(**index).decide("ix", "shelter")


# SHEL-1 subject

def test_shel1_index_person_passes(household, clause):
    d = shelter(household)
    c = clause(d, "SHEL-1")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "Jordan" in c.reason


def test_shel1_family_member_has_no_decision_of_their_own(household, clause):
    d = household().member("m1", "partner", given_name="Chloe", age_years=22, needs=["housing"]).decide("m1", "shelter")
    c = clause(d, "SHEL-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "Chloe" in c.reason and "SHEL-7" in c.reason


# SHEL-2 age

@pytest.mark.parametrize("age, outcome, decision", [
    (22, Outcome.passed, Decision.eligible),
    (30, Outcome.stretch, Decision.stretch),
    (17, Outcome.fail, Decision.ineligible),
    (40, Outcome.fail, Decision.ineligible),
])
def test_shel2_age(household, clause, age, outcome, decision):
    d = shelter(household, age_years=age)
    c = clause(d, "SHEL-2")
    assert (c.outcome, d.decision) == (outcome, decision)
    assert f"Jordan is {age}" in c.reason and "18–25" in c.reason
    if outcome is Outcome.stretch:
        assert "26–35" in c.reason and "caseloads allow" in c.reason


# SHEL-3 home or resettlement area

@pytest.mark.parametrize("home, resettlement, outcome", [
    ("liverpool", None, Outcome.passed),
    ("st_helens", None, Outcome.passed),
    ("halton", None, Outcome.fail),
    ("other", None, Outcome.fail),
    ("halton", "liverpool", Outcome.passed),
    ("other", "st_helens", Outcome.passed),
    ("other", "halton", Outcome.fail),
    ("liverpool", "other", Outcome.passed),  # home is in Merseyside: "home or resettlement area"
])
def test_shel3_area(household, clause, home, resettlement, outcome):
    d = shelter(household, local_authority=home, resettlement_local_authority=resettlement)
    c = clause(d, "SHEL-3")
    assert c.outcome is outcome
    assert d.decision is (Decision.eligible if outcome is Outcome.passed else Decision.ineligible)
    if outcome is Outcome.fail:
        assert "Merseyside" in c.reason
        assert ("Halton" if "halton" in (home, resettlement) else "outside the Liverpool City Region") in c.reason


# SHEL-4 housing need

@pytest.mark.parametrize("needs", [["housing"], ["homelessness_risk"], ["tenancy"], ["mentoring", "tenancy"]])
def test_shel4_housing_need_passes(household, clause, needs):
    d = shelter(household, needs=needs)
    assert clause(d, "SHEL-4").outcome is Outcome.passed and d.decision is Decision.eligible


@pytest.mark.parametrize("needs", [[], ["mentoring", "employment_training"]])
def test_shel4_no_housing_need_is_ineligible(household, clause, needs):
    d = shelter(household, needs=needs)
    c = clause(d, "SHEL-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "no housing need" in c.reason


def test_shel4_is_the_index_persons_need_not_the_households(household, clause):
    d = household(needs=["mentoring"]).member("m1", "partner", age_years=23, lives_with_index=True,
                                             needs=["housing"]).decide("ix", "shelter")
    assert clause(d, "SHEL-4").outcome is Outcome.fail


# SHEL-5 violence

@pytest.mark.parametrize("index", [
    dict(offence={"violent": True, "convicted": True}, violence_risk=None),
    dict(offence={"violent": False, "convicted": True}, violence_risk=True),
    # Arrest or suspicion is enough: no conviction required.
    dict(stage="arrested", offence={"violent": True, "convicted": False}, violence_risk=None),
    dict(stage="arrested", offence=None, violence_risk=True),
])
def test_shel5_violence_passes(household, clause, index):
    d = shelter(household, **index)
    assert clause(d, "SHEL-5").outcome is Outcome.passed and d.decision is Decision.eligible


@pytest.mark.parametrize("index", [
    dict(offence={"violent": False, "convicted": True}, violence_risk=False),
    dict(offence=None, violence_risk=None),
])
def test_shel5_no_violence_is_ineligible(household, clause, index):
    d = shelter(household, **index)
    c = clause(d, "SHEL-5")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "violen" in c.reason


# SHEL-6 stage

@pytest.mark.parametrize("stage", ["arrested", "court", "community_sentence", "licence", "post_sentence"])
def test_shel6_stages_that_shelter_works_at_now(household, clause, stage):
    d = shelter(household, stage=stage)
    c = clause(d, "SHEL-6")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert d.marks == () and c.marks == ()


def test_shel6_approved_premises_is_urgent(household, clause):
    d = shelter(household, stage="approved_premises")
    c = clause(d, "SHEL-6")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert c.marks == ("urgent",) and d.marks == ("urgent",) and "approved premises" in c.reason


@pytest.mark.parametrize("stage, label", [("remand", "on remand"), ("recalled", "recalled")])
def test_shel6_remand_and_recall_go_to_review(household, clause, stage, label):
    d = shelter(household, stage=stage)
    c = clause(d, "SHEL-6")
    assert c.outcome is Outcome.review and d.decision is Decision.review and label in c.reason


def test_shel6_custody_inside_fourteen_days(household, clause):
    d = household().custody(10).decide("ix", "shelter")
    c = clause(d, "SHEL-6")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "10 days" in c.reason


def test_shel6_custody_further_out_is_not_yet_from_release_minus_14(household, clause):
    hh = household().custody(49)
    d = hh.decide("ix", "shelter")
    c = clause(d, "SHEL-6")
    assert c.outcome is Outcome.not_yet and d.decision is Decision.not_yet
    assert c.eligible_from == d.eligible_from == hh.days(49 - 14)
    assert hh.days(35).isoformat() in c.reason and "49 days" in c.reason


def test_shel6_custody_without_release_date_goes_to_review(household, clause):
    d = household().custody(None).decide("ix", "shelter")
    c = clause(d, "SHEL-6")
    assert c.outcome is Outcome.review and d.decision is Decision.review and "no release date" in c.reason


def test_not_yet_and_stretch_together_is_not_yet(household):
    hh = household(age_years=28).custody(206)
    d = hh.decide("ix", "shelter")
    assert d.decision is Decision.not_yet and d.eligible_from == hh.days(206 - 14)


@pytest.mark.parametrize("consent", ["refused", "pending", "not_asked"])
def test_shelter_has_no_consent_gate(household, consent):
    assert shelter(household, consent_to_contact_family=consent).decision is Decision.eligible
