"""Our side of the routing benchmark: the router's own engine, run on facts computed beforehand."""
from __future__ import annotations

from contextlib import contextmanager

from pathways_router.domain import engine as router_engine
from pathways_router.domain.facts import household_facts, referral_date
from pathways_shared.contracts.referral_parsing import parse_referral


def prepare(docs: list[dict], book) -> list[tuple]:
    """Parse and validate every document, then compute each person's facts: (referral, [(person, facts)])."""
    referrals = [parse_referral(doc) for doc in docs]
    return with_facts(referrals, book)


def with_facts(referrals: list, book) -> list[tuple]:
    return [(r, list(household_facts(r, referral_date(r.referred_at), book.imprisoned_stages))) for r in referrals]


@contextmanager
def facts_precomputed(households: list[tuple]):
    """Run the engine's own evaluate() with each household's facts taken from `households`, so that
    our side starts from the same facts as the peer instead of recomputing them."""
    cache = {id(referral): people for referral, people in households}
    original = router_engine.household_facts
    router_engine.household_facts = lambda referral, on, stages: cache[id(referral)]
    try:
        yield
    finally:
        router_engine.household_facts = original


def ours(households: list[tuple], book, detail: bool = False) -> list[tuple]:
    """The same rows as zen_peer.decide, from the router's engine (every person × provider, every clause)."""
    out = []
    with facts_precomputed(households):
        for referral, _ in households:
            referral_id = str(referral.referral_id)
            for d in router_engine.evaluate(referral, book):
                row = (referral_id, d.person_ref, d.provider, d.decision.value,
                       d.eligible_from.isoformat() if d.eligible_from else None)
                if detail:
                    row += (tuple(sorted((c.id, c.outcome.value) for c in d.clauses)),)
                out.append(row)
    return out
