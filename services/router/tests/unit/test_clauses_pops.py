"""POPS-1..6 (../shared/domain/POLICY.md §3, POPS): each clause's pass and every non-pass branch.

The subject is an adult family member (Denise, 47, the index person's mother, Liverpool) whose
other clauses all pass, so the decision is the clause under test's own.
"""
import pytest

from pathways_router.domain.outcomes import Decision, Outcome


def mother(household, **index):
    return household(**index).member("m1", "mother", given_name="Denise", age_years=47)


# POPS-1 subject

def test_pops1_adult_family_member_passes(household, clause):
    d = mother(household).decide("m1", "pops")
    c = clause(d, "POPS-1")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert "Denise" in c.reason and "mother" in c.reason and "47" in c.reason


def test_pops1_index_person_is_not_a_pops_client(household, clause):
    d = mother(household).decide("ix", "pops")
    c = clause(d, "POPS-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "Jordan" in c.reason and "index person" in c.reason


def test_pops1_child_is_served_through_their_carer(household, clause):
    d = household().child("c1", 7, given_name="Mia").decide("c1", "pops")
    c = clause(d, "POPS-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "Mia is 7" in c.reason and "18+" in c.reason and "carer" in c.reason


# POPS-2 stage of the index person

@pytest.mark.parametrize("stage, outcome, decision", [
    ("licence", Outcome.passed, Decision.eligible),
    ("approved_premises", Outcome.passed, Decision.eligible),
    ("community_sentence", Outcome.passed, Decision.eligible),
    ("court", Outcome.passed, Decision.eligible),
    ("remand", Outcome.review, Decision.review),
    ("recalled", Outcome.review, Decision.review),
    ("arrested", Outcome.fail, Decision.ineligible),
    ("post_sentence", Outcome.fail, Decision.ineligible),
])
def test_pops2_stage(household, clause, stage, outcome, decision):
    d = mother(household, stage=stage).decide("m1", "pops")
    c = clause(d, "POPS-2")
    assert (c.outcome, d.decision) == (outcome, decision)
    label = {"approved_premises": "approved premises", "community_sentence": "community sentence",
             "post_sentence": "past sentence", "recalled": "recalled"}.get(stage, stage)
    assert label in c.reason
    assert d.eligible_from is None


def test_pops2_custody_inside_twelve_weeks_is_the_prison_team(household, clause):
    d = mother(household).custody(49).decide("m1", "pops")
    c = clause(d, "POPS-2")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert "49 days" in c.reason


def test_pops2_custody_further_out_is_not_yet_from_release_minus_84(household, clause):
    hh = mother(household).custody(200)
    d = hh.decide("m1", "pops")
    c = clause(d, "POPS-2")
    opens = hh.days(200 - 84)
    assert c.outcome is Outcome.not_yet and d.decision is Decision.not_yet
    assert c.eligible_from == opens and d.eligible_from == opens
    assert "200 days" in c.reason and opens.isoformat() in c.reason


def test_pops2_custody_without_release_date_goes_to_review(household, clause):
    d = mother(household).custody(None).decide("m1", "pops")
    c = clause(d, "POPS-2")
    assert c.outcome is Outcome.review and d.decision is Decision.review
    assert "no release date" in c.reason and d.eligible_from is None


# POPS-3 area of the family member

@pytest.mark.parametrize("area, label, outcome, decision", [
    ("liverpool", "Liverpool", Outcome.passed, Decision.eligible),
    ("wirral", "Wirral", Outcome.passed, Decision.eligible),
    ("knowsley", "Knowsley", Outcome.passed, Decision.eligible),
    ("sefton", "Sefton", Outcome.passed, Decision.eligible),
    ("st_helens", "St Helens", Outcome.review, Decision.review),
    ("halton", "Halton", Outcome.review, Decision.review),
    ("other", "outside the Liverpool City Region", Outcome.fail, Decision.ineligible),
])
def test_pops3_area(household, clause, area, label, outcome, decision):
    d = household().member("m1", "mother", given_name="Denise", age_years=47, local_authority=area).decide("m1", "pops")
    c = clause(d, "POPS-3")
    assert (c.outcome, d.decision) == (outcome, decision)
    assert "Denise" in c.reason and label in c.reason


def test_pops3_is_the_family_members_area_not_the_index_persons(household, clause):
    d = household(local_authority="other").member("m1", "mother", age_years=47, local_authority="wirral") \
        .decide("m1", "pops")
    assert clause(d, "POPS-3").outcome is Outcome.passed and d.decision is Decision.eligible


# POPS-4 consent gate

@pytest.mark.parametrize("index_consent", ["pending", "not_asked", None])  # None: left out, so not_asked
def test_pops4_index_consent_not_granted_holds(household, clause, index_consent):
    routing = mother(household, consent_to_contact_family=index_consent).route()
    d = next(x for x in routing.decisions if (x.person_ref, x.provider) == ("m1", "pops"))
    c = clause(d, "POPS-4")
    assert c.outcome is Outcome.held and d.decision is Decision.held
    assert (index_consent or "not_asked").replace("_", " ") in c.reason
    assert all(p.provider != "pops" for p in routing.provider_referrals), "held persons are not referred"
    assert all(w.person_ref != "m1" or w.provider != "pops" for w in routing.awaiting_capacity)


def test_pops4_index_refused_is_ineligible_index_declined(household, clause):
    d = mother(household, consent_to_contact_family="refused").decide("m1", "pops")
    c = clause(d, "POPS-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "index declined family contact" in c.reason


def test_pops4_family_member_refused_is_ineligible_family_refused(household, clause):
    d = household().member("m1", "mother", given_name="Denise", age_years=47, consent_to_contact="refused") \
        .decide("m1", "pops")
    c = clause(d, "POPS-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "family refused" in c.reason and "Denise" in c.reason


@pytest.mark.parametrize("own_consent", ["pending", "not_asked", "granted"])
def test_pops4_family_members_own_consent_is_asked_by_pops(household, clause, own_consent):
    d = household().member("m1", "mother", age_years=47, consent_to_contact=own_consent).decide("m1", "pops")
    assert clause(d, "POPS-4").outcome is Outcome.passed and d.decision is Decision.eligible


def test_pops4_held_member_is_left_off_while_another_is_referred(household):
    routing = household().member("m1", "mother", age_years=47, consent_to_contact="refused") \
        .member("p1", "partner", age_years=23).route()
    pops = [p for p in routing.provider_referrals if p.provider == "pops"]
    assert len(pops) == 1 and pops[0].subjects == ["p1"]


# POPS-5 safeguarding

def test_pops5_no_contact_with_index_goes_to_review(household, clause):
    d = household().member("m1", "partner", given_name="Chloe", age_years=23, no_contact_with_index=True) \
        .decide("m1", "pops")
    c = clause(d, "POPS-5")
    assert c.outcome is Outcome.review and d.decision is Decision.review
    assert "Chloe" in c.reason and "no contact" in c.reason


def test_pops5_passes_without_a_no_contact_request(household, clause):
    d = household().member("m1", "partner", age_years=23, no_contact_with_index=False).decide("m1", "pops")
    assert clause(d, "POPS-5").outcome is Outcome.passed and d.decision is Decision.eligible


# POPS-6 index person's age and offence: a parameter, off by default (switched on in test_sixth_provider.py)

@pytest.mark.parametrize("index", [dict(age_years=40, offence={"violent": False, "convicted": True}),
                                   dict(age_years=17), dict(offence=None, violence_risk=None)])
def test_pops6_no_restriction_by_default(household, clause, index):
    d = mother(household, **index).decide("m1", "pops")
    c = clause(d, "POPS-6")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "no restriction" in c.reason


# Worst clause wins: ineligible > review > not_yet > held > stretch > eligible

def test_review_beats_held(household):
    d = household(consent_to_contact_family="pending").member("m1", "mother", age_years=47,
                                                                local_authority="st_helens").decide("m1", "pops")
    assert d.decision is Decision.review


def test_not_yet_beats_held_and_keeps_its_date(household):
    hh = household(consent_to_contact_family="pending").custody(120).member("m1", "mother", age_years=47)
    d = hh.decide("m1", "pops")
    assert d.decision is Decision.not_yet and d.eligible_from == hh.days(120 - 84)


def test_ineligible_beats_review(household):
    d = household(stage="arrested").member("m1", "mother", age_years=47, local_authority="halton") \
        .decide("m1", "pops")
    assert d.decision is Decision.ineligible and d.failed == ["POPS-2"]
