"""Remembered clause results (domain/memo.py) are exactly what evaluating every clause gives: the
same decisions, windows, marks and explanations, for persons and households that share values and
for those that do not, and however often a full memo forgets."""
import dataclasses
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.domain.engine import evaluate
from pathways_router.domain.memo import ClauseMemo
from pathways_router.service_layer.routing import decision_row, decision_rows
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.testing.households import generate_households, household_referrals

PLAIN = dataclasses.replace(load_rulebook(), memo=None)
REMEMBERING = dataclasses.replace(PLAIN, memo=ClauseMemo())
FORGETFUL = dataclasses.replace(PLAIN, memo=ClauseMemo(limit=3))  # forgets all the time


def shown(decisions) -> list[tuple]:
    """Everything a decision says, its clauses as rows and events show them."""
    return [(decision_row(d), d.decision, d.eligible_from, d.marks, d.rulebook_version,
             [(c.id, c.outcome, c.eligible_from, c.marks, c.reason) for c in d.clauses]) for d in decisions]


def same_either_way(referral, as_of, name_people) -> None:
    expected = shown(evaluate(referral, PLAIN, as_of, name_people=name_people))
    for book in (REMEMBERING, FORGETFUL):
        assert shown(evaluate(referral, book, as_of, name_people=name_people)) == expected


def test_a_generated_caseload_is_decided_alike_with_and_without_the_memo():
    for doc in generate_households(300, seed=11):
        referral = parse_referral(doc)
        for shift in (-90, 0, 30):
            same_either_way(referral, referral.referred_at.date() + timedelta(days=shift), name_people=False)
        same_either_way(referral, None, name_people=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=household_referrals(), shift=st.integers(min_value=-400, max_value=400), named=st.booleans())
def test_any_household_is_decided_alike_with_and_without_the_memo(doc, shift, named):
    referral = parse_referral(doc)
    same_either_way(referral, referral.referred_at.date() + timedelta(days=shift), named)


def test_the_memo_stays_bounded():
    memo = ClauseMemo(limit=5)
    book = dataclasses.replace(PLAIN, memo=memo)
    clauses = sum(len(p.clauses) for p in book.providers)
    for doc in generate_households(200, seed=3):
        evaluate(parse_referral(doc), book)
        assert memo.size() <= 5 * clauses


def test_a_clause_depends_on_the_facts_it_tests_its_window_and_what_its_reasons_name():
    pops = {c.id: c for c in PLAIN.providers[0].clauses}
    assert pops["POPS-2"].reads == ("index.days_to_release", "index.release_date", "index.stage")
    assert pops["POPS-2"].says == ("days_to_release", "stage")  # eligible_from is worked out from the facts
    assert pops["POPS-1"].says == ("age", "relationship", "who")  # the provider's parameters are fixed


def test_decision_rows_are_each_decision_row():
    referral = parse_referral(next(iter(generate_households(1, seed=5))))
    decisions = evaluate(referral, REMEMBERING, name_people=False)
    assert decision_rows(decisions) == [decision_row(d) for d in decisions]


def test_a_persons_facts_and_reason_context_share_no_name():
    """The memo reads both from one mapping (engine.evaluate merges them)."""
    from pathways_router.domain.compiled import CONTEXT_KEYS
    from pathways_router.domain.facts import FACT_NAMES

    assert not FACT_NAMES & CONTEXT_KEYS
