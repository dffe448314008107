"""Grouping with the providers as they are now (../shared/domain/POLICY.md §4): a capacity set at
run time overrides the rulebook's, and a subject with an open provider referral elsewhere is a
duplicate presentation, left off the new one."""
import uuid

import pytest

from pathways_router.domain.grouping import DuplicatePresentation, group, routable
from pathways_router.domain.engine import evaluate
from pathways_router.domain.onward import deciding_clauses, explanation
from pathways_router.domain.outcomes import Capacity, Decision

OPEN = uuid.UUID("00000000-0000-4000-8000-000000000001")


def grouped(household, book, capacity=None, open_elsewhere=None):
    referral = household.referral()
    return group(referral, evaluate(referral, book), book, capacity, open_elsewhere)


def referral_for(routing, provider):
    return next((p for p in routing.provider_referrals if p.provider == provider), None)


@pytest.mark.parametrize("decision, capacity, routed", [
    (Decision.eligible, Capacity.has_capacity, True), (Decision.eligible, Capacity.waitlist, True),
    (Decision.eligible, Capacity.assessment_required, True), (Decision.eligible, Capacity.no_capacity, False),
    (Decision.stretch, Capacity.has_capacity, True), (Decision.stretch, Capacity.waitlist, False),
    (Decision.stretch, Capacity.assessment_required, False), (Decision.stretch, Capacity.no_capacity, False),
    (Decision.held, Capacity.has_capacity, False), (Decision.review, Capacity.has_capacity, False)])
def test_what_each_capacity_routes(decision, capacity, routed):
    assert routable(decision, capacity) is routed


def test_a_capacity_set_at_run_time_overrides_the_rulebook(household, book):
    family = household().member("p1", "partner", age_years=23).child("c1", 7, carer_ref="p1").child("c2", 3)
    declared = grouped(family, book)
    assert referral_for(declared, "tmuk").subjects == ["c1", "c2"]
    now = grouped(family, book, {"tmuk": Capacity.waitlist})
    tmuk = referral_for(now, "tmuk")
    assert tmuk.subjects == ["c1"] and tmuk.waitlisted and tmuk.capacity is Capacity.waitlist
    assert [(d.person_ref, d.decision) for d in now.awaiting_capacity] == [("c2", Decision.stretch)]
    assert referral_for(grouped(family, book, {"tmuk": Capacity.no_capacity}), "tmuk") is None


def test_a_subject_with_an_open_referral_there_is_left_out_and_linked(household, book):
    family = household().member("p1", "partner", age_years=23).child("c1", 7, carer_ref="p1").child("c2", 9)
    routing = grouped(family, book, open_elsewhere={("c1", "tmuk"): OPEN})
    tmuk = referral_for(routing, "tmuk")
    assert [(c.person_ref, c.role) for c in tmuk.persons] == [("c2", "subject")], \
        "c1's carer is listed only for c1, who is not on this referral"
    assert routing.duplicates == [DuplicatePresentation("c1", "tmuk", OPEN)]


def test_an_open_referral_with_another_provider_is_no_duplicate(household, book):
    family = household().member("p1", "partner", age_years=23).child("c1", 7, carer_ref="p1")
    routing = grouped(family, book, open_elsewhere={("c1", "pops"): OPEN})
    assert referral_for(routing, "tmuk").subjects == ["c1"] and routing.duplicates == []


def test_when_every_subject_is_a_duplicate_nothing_is_raised(household, book):
    routing = grouped(household(), book, open_elsewhere={("ix", "shelter"): OPEN, ("ix", "moms"): OPEN})
    assert referral_for(routing, "shelter") is None and referral_for(routing, "moms") is None
    assert {d.provider for d in routing.duplicates} == {"shelter", "moms"}


def test_a_person_not_routed_is_no_duplicate_presentation(household, book):
    family = household().child("c1", 1)  # too young for TMUK: nothing presented
    routing = grouped(family, book, open_elsewhere={("c1", "tmuk"): OPEN})
    assert routing.duplicates == []


def test_a_refusal_is_explained_with_the_clauses_that_decided(household, book):
    refused = next(d for d in evaluate(household().child("c1", 7).referral(), book, name_people=False)
                   if d.person_ref == "c1" and d.provider == "pops")
    assert refused.decision is Decision.ineligible
    assert [c.id for c in deciding_clauses(refused)] == ["POPS-1"]
    assert explanation(refused).startswith("c1 is ineligible for pops — POPS-1 fail: c1 is 7")
