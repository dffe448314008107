"""MAG-1..4 (../shared/domain/POLICY.md §3, Magistra): each clause's pass and every non-pass branch,
and unknown prison codes (§7) routing without error.

The subject is the index person (Jordan, 22, male, violent and convicted) in custody at HMP
Liverpool, release in 49 days.
"""
import pytest

from pathways_router.domain.outcomes import Decision, Outcome
from pathways_router.service_layer.routing import decision_row


def magistra(household, days_to_release=49, establishment="LPI", **index):
    return household().custody(days_to_release, establishment, **index).decide("ix", "magistra")


# MAG-1 subject: the index person, any sex

def test_mag1_index_person_passes(household, clause):
    d = magistra(household)
    c = clause(d, "MAG-1")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and "Jordan" in c.reason


def test_mag1_women_are_offered_the_womens_programmes(household, clause):
    d = magistra(household, 49, "STI", sex="female", given_name="Kerry")
    c = clause(d, "MAG-1")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible
    assert "Kerry" in c.reason and "women's programmes" in c.reason


@pytest.mark.parametrize("sex", ["other", "not_known"])
def test_mag1_any_sex(household, clause, sex):
    assert magistra(household, sex=sex).decision is Decision.eligible


def test_mag1_family_member_is_ineligible(household, clause):
    d = household().custody(49).member("m1", "sibling", given_name="Kyle", sex="male", age_years=24) \
        .decide("m1", "magistra")
    c = clause(d, "MAG-1")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "Kyle" in c.reason


# MAG-2 age 18–30

@pytest.mark.parametrize("age, outcome", [(22, Outcome.passed), (17, Outcome.fail), (31, Outcome.fail)])
def test_mag2_age(household, clause, age, outcome):
    d = magistra(household, age_years=age)
    c = clause(d, "MAG-2")
    assert c.outcome is outcome
    assert d.decision is (Decision.eligible if outcome is Outcome.passed else Decision.ineligible)
    assert f"Jordan is {age}" in c.reason and "18–30" in c.reason


# MAG-3 offence: convicted of a violent offence

@pytest.mark.parametrize("offence", [{"violent": False, "convicted": True}, {"violent": True, "convicted": False},
                                     None])
def test_mag3_no_violent_conviction_is_ineligible(household, clause, offence):
    d = magistra(household, offence=offence, violence_risk=True)
    c = clause(d, "MAG-3")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "violent offence" in c.reason


def test_mag3_violent_conviction_passes(household, clause):
    assert clause(magistra(household), "MAG-3").outcome is Outcome.passed


# MAG-4 setting

@pytest.mark.parametrize("code, name", [("LPI", "HMP Liverpool"), ("HII", "HMP Hindley"), ("ACI", "HMP Altcourse"),
                                        ("STI", "HMP Styal")])
def test_mag4_custody_in_a_magistra_prison(household, clause, code, name):
    d = magistra(household, establishment=code)
    c = clause(d, "MAG-4")
    assert c.outcome is Outcome.passed and d.decision is Decision.eligible and name in c.reason


def test_mag4_custody_far_from_release_still_counts(household):
    # Programmes run in custody: MAG-4 has no release window.
    assert magistra(household, days_to_release=400).decision is Decision.eligible


@pytest.mark.parametrize("code, shown", [("RSI", "HMP Risley"), ("KMI", "HMP Kirkham"), ("ZZI", "ZZI")])
def test_mag4_custody_elsewhere_is_ineligible(household, clause, code, shown):
    d = magistra(household, establishment=code)
    c = clause(d, "MAG-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert shown in c.reason and "LPI, HII, ACI, STI" in c.reason


def test_mag4_remand_is_ineligible_even_at_a_magistra_prison(household, clause):
    d = household(stage="remand", establishment="LPI").decide("ix", "magistra")
    c = clause(d, "MAG-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible
    assert "remand" in c.reason and "sentenced" in c.reason


@pytest.mark.parametrize("area, outcome", [("liverpool", Outcome.passed), ("st_helens", Outcome.passed),
                                           ("wirral", Outcome.passed), ("halton", Outcome.fail),
                                           ("other", Outcome.fail)])
def test_mag4_approved_premises_in_merseyside(household, clause, area, outcome):
    d = household(stage="approved_premises", local_authority=area, establishment=None).decide("ix", "magistra")
    c = clause(d, "MAG-4")
    assert c.outcome is outcome
    assert d.decision is (Decision.eligible if outcome is Outcome.passed else Decision.ineligible)


@pytest.mark.parametrize("stage", ["licence", "community_sentence", "court", "arrested", "recalled", "post_sentence"])
def test_mag4_other_stages_are_ineligible(household, clause, stage):
    d = household(stage=stage).decide("ix", "magistra")
    c = clause(d, "MAG-4")
    assert c.outcome is Outcome.fail and d.decision is Decision.ineligible and "programmes run in" in c.reason


@pytest.mark.parametrize("consent", ["refused", "pending", "not_asked"])
def test_magistra_has_no_consent_gate(household, consent):
    assert magistra(household, consent_to_contact_family=consent).decision is Decision.eligible


# Unknown prison codes (§7): accepted, match no prison clause, nothing crashes

@pytest.mark.parametrize("code", ["ZZI", "XQ9", "zzi", "HMPNOWHR"])
def test_unknown_prison_code_is_accepted_and_matches_nothing(household, clause, code):
    hh = household().custody(40, establishment=code).member("m1", "mother", age_years=47) \
        .child("c1", 8, carer_ref="m1")
    routing = hh.route()
    assert len(routing.decisions) == 3 * 5
    by = {(d.person_ref, d.provider): d for d in routing.decisions}
    assert clause(by["ix", "moms"], "MOMS-4").outcome is Outcome.fail
    assert clause(by["ix", "magistra"], "MAG-4").outcome is Outcome.fail
    assert code.upper() in clause(by["ix", "moms"], "MOMS-4").reason
    # Providers without a prison clause are untouched by the code.
    assert by["m1", "pops"].decision is Decision.eligible and by["c1", "tmuk"].decision is Decision.eligible
    for d in routing.decisions:
        decision_row(d)  # every reason renders
