"""Decisions grouped into provider referrals (../shared/domain/POLICY.md §1, §3 TMUK-5 and SHEL-7, §4):
who is listed, in what role, and what capacity does to stretch and eligible decisions."""
import pytest

from pathways_router.domain.outcomes import Decision
from pathways_router.service_layer.routing import decision_row


def referral_for(routing, provider):
    found = [p for p in routing.provider_referrals if p.provider == provider]
    assert len(found) <= 1
    return found[0] if found else None


def people(provider_referral):
    return [(c.person_ref, c.role, c.decision, c.clause) for c in provider_referral.persons]


def family(household, child_age=7, **child):
    """Index on licence; partner p1 (23) looks after child c1."""
    return household().member("p1", "partner", given_name="Chloe", age_years=23) \
        .child("c1", child_age, given_name="Mia", carer_ref="p1", **child)


def test_every_person_gets_a_decision_from_every_provider_in_order(household):
    routing = family(household).member("m1", "mother", age_years=47).route()
    assert [(d.person_ref, d.provider) for d in routing.decisions] == [
        (ref, p) for ref in ("ix", "p1", "c1", "m1") for p in ("pops", "tmuk", "shelter", "moms", "magistra")]


# TMUK-5: the carer of a routed child is on the TMUK referral

def test_tmuk_carer_is_included_with_a_routed_child(household, decision):
    routing = family(household).route()
    tmuk = referral_for(routing, "tmuk")
    assert people(tmuk) == [("c1", "subject", Decision.eligible, None), ("p1", "carer", None, "TMUK-5")]
    carer = decision(routing, "p1", "tmuk")
    assert carer.decision is Decision.ineligible  # no decision of their own: listed, not decided
    assert (carer.included_as, carer.included_by, carer.included_for) == ("carer", "TMUK-5", ("c1",))
    assert decision_row(carer)["included_as"] == {"role": "carer", "clause": "TMUK-5", "for": ["c1"]}


def test_tmuk_carer_of_a_stretch_child_is_included_under_capacity(household):
    tmuk = referral_for(family(household, 3).route(), "tmuk")
    assert people(tmuk) == [("c1", "subject", Decision.stretch, None), ("p1", "carer", None, "TMUK-5")]


def test_one_carer_of_two_children_is_listed_once(household, decision):
    routing = family(household).child("c2", 10, carer_ref="p1").route()
    assert people(referral_for(routing, "tmuk")) == [
        ("c1", "subject", Decision.eligible, None), ("c2", "subject", Decision.eligible, None),
        ("p1", "carer", None, "TMUK-5")]
    assert decision(routing, "p1", "tmuk").included_for == ("c1", "c2")


@pytest.mark.parametrize("child", [dict(child_age=1), dict(consent_to_contact="pending"),
                                   dict(consent_to_contact="refused"), dict(local_authority="halton")])
def test_no_carer_without_a_routed_child(household, decision, child):
    routing = family(household, **child).route()
    assert referral_for(routing, "tmuk") is None
    assert decision(routing, "p1", "tmuk").included_as is None
    assert "included_as" not in decision_row(decision(routing, "p1", "tmuk"))


def test_child_without_carer_ref_is_referred_alone(household):
    routing = household().member("p1", "partner", age_years=23).child("c1", 7).route()
    assert people(referral_for(routing, "tmuk")) == [("c1", "subject", Decision.eligible, None)]


def test_carer_who_is_also_a_pops_client_appears_on_both(household):
    routing = family(household).route()
    assert referral_for(routing, "pops").subjects == ["p1"]
    assert "p1" in [c.person_ref for c in referral_for(routing, "tmuk").persons]


# SHEL-7: the household living with the index person is on the Shelter referral

def test_shelter_lists_the_household_living_with_the_index_person(household, decision):
    routing = household().member("p1", "partner", age_years=23, lives_with_index=True) \
        .child("c1", 4, lives_with_index=True).member("m1", "mother", age_years=47, lives_with_index=False).route()
    shelter = referral_for(routing, "shelter")
    assert people(shelter) == [("ix", "subject", Decision.eligible, None),
                               ("p1", "household_member", None, "SHEL-7"),
                               ("c1", "household_member", None, "SHEL-7")]
    member = decision(routing, "c1", "shelter")
    assert (member.included_as, member.included_by, member.included_for) == ("household_member", "SHEL-7", ("ix",))
    assert decision(routing, "m1", "shelter").included_as is None


def test_no_shelter_referral_and_no_household_when_the_index_person_is_not_routed(household, decision):
    routing = household(needs=[]).member("p1", "partner", age_years=23, lives_with_index=True).route()
    assert referral_for(routing, "shelter") is None
    assert decision(routing, "p1", "shelter").included_as is None


# Urgency

def test_approved_premises_makes_the_shelter_referral_urgent(household):
    routing = household(stage="approved_premises").route()
    assert referral_for(routing, "shelter").urgent is True
    assert referral_for(routing, "moms").urgent is False


def test_licence_is_not_urgent(household):
    assert referral_for(household().route(), "shelter").urgent is False


# Held, review and not_yet persons are never on a provider referral

def test_only_eligible_and_stretch_persons_are_subjects(household):
    routing = household().custody(40) \
        .member("a1", "mother", age_years=47) \
        .member("a2", "father", age_years=50, local_authority="halton") \
        .member("a3", "sibling", age_years=30, consent_to_contact="refused") \
        .child("c1", 8, consent_to_contact="pending").route()
    assert referral_for(routing, "pops").subjects == ["a1"]
    assert referral_for(routing, "tmuk") is None
    assert routing.awaiting_capacity == []


# Capacity (§4): stretch only under has_capacity; eligible under waitlist is routed, marked waitlisted

def test_has_capacity_routes_stretch_and_eligible(household):
    routing = household().child("c1", 7).child("c2", 3).route()
    tmuk = referral_for(routing, "tmuk")
    assert tmuk.subjects == ["c1", "c2"] and tmuk.waitlisted is False and routing.awaiting_capacity == []


def test_waitlist_routes_eligible_as_waitlisted_and_holds_stretch(household, variant):
    book = variant("tmuk", capacity="waitlist")
    routing = household().child("c1", 7).child("c2", 3).route(book)
    tmuk = referral_for(routing, "tmuk")
    assert tmuk.subjects == ["c1"] and tmuk.waitlisted is True
    assert [(d.person_ref, d.provider, d.decision) for d in routing.awaiting_capacity] == [
        ("c2", "tmuk", Decision.stretch)]


def test_waitlist_with_only_a_stretch_person_routes_nothing(household, variant):
    book = variant("tmuk", capacity="waitlist")
    routing = household().member("p1", "partner", age_years=23).child("c1", 3, carer_ref="p1").route(book)
    assert referral_for(routing, "tmuk") is None
    assert [(d.person_ref, d.decision) for d in routing.awaiting_capacity] == [("c1", Decision.stretch)]


def test_no_capacity_routes_nothing(household, variant):
    book = variant("tmuk", capacity="no_capacity")
    routing = household().child("c1", 7).child("c2", 3).route(book)
    assert referral_for(routing, "tmuk") is None
    assert [(d.person_ref, d.decision) for d in routing.awaiting_capacity] == [
        ("c1", Decision.eligible), ("c2", Decision.stretch)]
    assert referral_for(routing, "shelter") is not None  # other providers are unaffected


@pytest.mark.parametrize("capacity", ["waitlist", "no_capacity", "assessment_required"])
def test_stretch_is_routed_only_under_has_capacity(household, variant, capacity):
    routing = household(age_years=30).route(variant("shelter", capacity=capacity))
    assert referral_for(routing, "shelter") is None
    assert [(d.person_ref, d.provider) for d in routing.awaiting_capacity] == [("ix", "shelter")]


def test_provider_referral_ids_are_stable(household):
    hh = family(household)
    first, again = hh.route(), hh.route()
    assert [p.provider_referral_id for p in first.provider_referrals] == \
        [p.provider_referral_id for p in again.provider_referrals]
    assert len({p.provider_referral_id for p in first.provider_referrals}) == len(first.provider_referrals)
    assert {p.referral_id for p in first.provider_referrals} == {hh.referral().effective_id()}
