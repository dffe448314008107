"""Properties that hold for every valid referral, whatever hypothesis makes of the contract."""
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.domain.outcomes import DECISION_OF, SEVERITY, Decision
from pathways_router.service_layer.routing import decision_row, route
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.testing.households import household_referrals

BOOK = load_rulebook()
PROVIDERS = {p.id for p in BOOK.providers}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=household_referrals(), shift=st.integers(min_value=-400, max_value=400))
def test_every_person_gets_one_decision_per_provider_and_the_worst_clause_decides(doc, shift):
    referral = parse_referral(doc)
    as_of = referral.referred_at.date() + timedelta(days=shift)
    routing = route(referral, BOOK, as_of)
    refs = [p.person_ref for p in referral.persons()]
    assert sorted((d.person_ref, d.provider) for d in routing.decisions) == sorted(
        (r, p) for r in refs for p in PROVIDERS)
    for d in routing.decisions:
        worst = max((DECISION_OF[c.outcome] for c in d.clauses), key=SEVERITY.__getitem__)
        assert d.decision is worst
        assert (d.eligible_from is not None) == (d.decision is Decision.not_yet)
        if d.eligible_from is not None:
            assert d.eligible_from > as_of  # a window that has opened is not "not yet"
        row = decision_row(d)
        assert all(c["reason"] for c in row["clauses"])
    for provider_referral in routing.provider_referrals:
        subjects = [c for c in provider_referral.persons if c.role == "subject"]
        assert subjects and all(c.decision in (Decision.eligible, Decision.stretch) for c in subjects)
