"""TMUK-1..4 (../shared/domain/POLICY.md §3, TMUK): each clause's pass and every non-pass branch.
TMUK-5 (carers on the provider referral) is in test_grouping.py.

The subject is a child (Mia, 7, the index person's child, Liverpool, carer's consent granted) of an
index person on licence, so every other TMUK clause passes.
"""
import pytest

from pathways_router.domain.outcomes import Decision, Outcome


def with_child(household, age=7, relationship="child", index=None, **child):
    return household(**(index or {})).child("c1", age, relationship, given_name=child.pop("given_name", "Mia"), **child)


# TMUK-1 subject's age

def test_tmuk1_core_age_passes(household, clause):
    d = with_child(household).decide("c1", "tmuk")
    c = clause(d, "TMUK-1")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert c.reason == "Mia is 7: within TMUK's core range 5–18"


def test_tmuk1_three_year_old_is_stretch(household, clause):
    d = with_child(household, 3, given_name="Leo").decide("c1", "tmuk")
    c = clause(d, "TMUK-1")
    assert c.outcome is Outcome.stretch and d.decision is Decision.stretch
    assert c.reason == "Leo is 3: TMUK's core range is 5–18, 2–4 is stretch"


def test_tmuk1_young_adult_is_stretch(household, clause):
    d = with_child(household, 19, "sibling", given_name="Kai").decide("c1", "tmuk")
    c = clause(d, "TMUK-1")
    assert c.outcome is Outcome.stretch and d.decision is Decision.stretch
    assert "Kai is 19" in c.reason and "19–20 is stretch" in c.reason


def test_tmuk1_under_two_is_too_young(household, clause):
    d = with_child(household, 1, given_name="Ada").decide("c1", "tmuk")
    c = clause(d, "TMUK-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "Ada is 1" in c.reason and "too young for TMUK" in c.reason


def test_tmuk1_over_twenty_is_ineligible(household, clause):
    d = with_child(household, 21, "sibling", given_name="Kai").decide("c1", "tmuk")
    c = clause(d, "TMUK-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "Kai is 21" in c.reason


# TMUK-2 impact: relationship and imprisonment

@pytest.mark.parametrize("relationship", ["child", "step_child", "grandchild", "sibling"])
def test_tmuk2_children_of_an_imprisoned_index_pass(household, clause, relationship):
    d = with_child(household, relationship=relationship).decide("c1", "tmuk")
    c = clause(d, "TMUK-2")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert "Mia" in c.reason and "imprisoned" in c.reason


@pytest.mark.parametrize("relationship, label", [("other_relative", "other relative"), ("other", "other")])
def test_tmuk2_a_child_the_index_may_have_cared_for_is_reviewed(household, clause, relationship, label):
    d = with_child(household, relationship=relationship).decide("c1", "tmuk")
    c = clause(d, "TMUK-2")
    assert c.outcome is Outcome.review and d.decision is Decision.review
    assert label in c.reason and "cared for" in c.reason


def test_tmuk2_a_partner_is_not_an_impacted_child(household, clause):
    d = with_child(household, 19, "partner", given_name="Chloe").decide("c1", "tmuk")
    c = clause(d, "TMUK-2")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "partner" in c.reason


def test_tmuk2_index_person_is_not_their_own_impacted_child(household, clause):
    d = household(age_years=18).decide("ix", "tmuk")
    c = clause(d, "TMUK-2")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "index person" in c.reason


@pytest.mark.parametrize("stage", ["remand", "custody", "recalled", "licence", "approved_premises"])
def test_tmuk2_imprisoned_stages_pass(household, clause, stage):
    d = with_child(household, index=dict(stage=stage, past_custody=False)).decide("c1", "tmuk")
    assert clause(d, "TMUK-2").outcome is Outcome.passed and d.decision is Decision.eligible


@pytest.mark.parametrize("stage", ["community_sentence", "arrested", "post_sentence", "court"])
def test_tmuk2_past_custody_counts_as_imprisoned(household, clause, stage):
    d = with_child(household, index=dict(stage=stage, past_custody=True)).decide("c1", "tmuk")
    assert clause(d, "TMUK-2").outcome is Outcome.passed and d.decision is Decision.eligible


@pytest.mark.parametrize("stage, past_custody", [("community_sentence", False), ("community_sentence", None),
                                                 ("arrested", False), ("post_sentence", None)])
def test_tmuk2_never_imprisoned_is_ineligible(household, clause, stage, past_custody):
    d = with_child(household, index=dict(stage=stage, past_custody=past_custody)).decide("c1", "tmuk")
    c = clause(d, "TMUK-2")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "never imprisoned" in c.reason


def test_tmuk2_at_court_is_reviewed(household, clause):
    d = with_child(household, index=dict(stage="court", past_custody=False)).decide("c1", "tmuk")
    c = clause(d, "TMUK-2")
    assert c.outcome is Outcome.review and d.decision is Decision.review and "at court" in c.reason


@pytest.mark.parametrize("relationship", ["other_relative", "other"])
def test_tmuk2_never_imprisoned_is_ineligible_whatever_the_relationship(household, clause, relationship):
    # POLICY.md TMUK-2 is a conjunction: relationship AND "has been imprisoned". With no
    # imprisonment the clause cannot hold, so there is nothing for a person to review.
    d = with_child(household, relationship=relationship,
                   index=dict(stage="community_sentence", past_custody=False)).decide("c1", "tmuk")
    c = clause(d, "TMUK-2")
    assert (c.outcome, d.decision) == (Outcome.fail, Decision.ineligible), c.reason


# TMUK-3 area

@pytest.mark.parametrize("area, outcome, decision, label", [
    ("liverpool", Outcome.passed, Decision.eligible, "Liverpool"),
    ("st_helens", Outcome.passed, Decision.eligible, "St Helens"),
    ("wirral", Outcome.passed, Decision.eligible, "Wirral"),
    ("halton", Outcome.fail, Decision.ineligible, "Halton"),
    ("other", Outcome.fail, Decision.ineligible, "outside the Liverpool City Region"),
])
def test_tmuk3_area_is_merseyside(household, clause, area, outcome, decision, label):
    d = with_child(household, local_authority=area).decide("c1", "tmuk")
    c = clause(d, "TMUK-3")
    assert (c.outcome, d.decision) == (outcome, decision)
    assert "Mia" in c.reason and label in c.reason
    if outcome is Outcome.fail:
        assert "outside Merseyside" in c.reason


# TMUK-4 consent gate: the carer's consent to contact the child

@pytest.mark.parametrize("consent", ["pending", "not_asked"])
def test_tmuk4_carer_consent_not_granted_holds(household, clause, consent):
    routing = with_child(household, consent_to_contact=consent).route()
    d = next(x for x in routing.decisions if (x.person_ref, x.provider) == ("c1", "tmuk"))
    c = clause(d, "TMUK-4")
    assert c.outcome is Outcome.held and d.decision is Decision.held
    assert "Mia" in c.reason and consent.replace("_", " ") in c.reason
    assert all(p.provider != "tmuk" for p in routing.provider_referrals), "held children are not referred"


def test_tmuk4_carer_refused_is_ineligible(household, clause):
    d = with_child(household, consent_to_contact="refused").decide("c1", "tmuk")
    c = clause(d, "TMUK-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "family refused" in c.reason and "Mia" in c.reason


@pytest.mark.parametrize("index_consent", ["refused", "pending", "not_asked"])
def test_tmuk4_index_persons_consent_is_not_required(household, clause, index_consent):
    d = with_child(household, index=dict(consent_to_contact_family=index_consent)).decide("c1", "tmuk")
    assert clause(d, "TMUK-4").outcome is Outcome.passed and d.decision is Decision.eligible


def test_tmuk_stretch_and_held_together_is_held(household):
    d = with_child(household, 3, consent_to_contact="pending").decide("c1", "tmuk")
    assert d.decision is Decision.held
