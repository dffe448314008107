"""The consent gate at delivery (../shared/domain/POLICY.md §5: no provider referral is delivered
while its consent gate is closed).

A provider referral was raised while its gate was open, but it reaches the provider later (retries,
a provider not yet configured), and consent can be withdrawn meanwhile. So each delivery asks the
gate again, against the household as it is now: every clause the rulebook marks `gate: consent`
for that provider, for every covered subject. Anything but `pass` keeps it closed. Carers and
household members are covered through a subject, whose gate speaks for them (TMUK-4 is the carer's
consent to contact the child).
"""
from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pathways_router.domain.compiled import CompiledRulebook
from pathways_router.domain.facts import household_facts
from pathways_router.domain.outcomes import Outcome
from pathways_shared.contracts.referral_v1 import HouseholdReferral

CONSENT = "consent"


def closed_gates(referral: HouseholdReferral, book: CompiledRulebook, provider: str,
                 persons: Iterable[Mapping[str, Any]], on: date) -> list[str]:
    """'<clause> <outcome> for <person_ref>' for each consent gate not open for a covered subject
    (empty: the gate is open). Names person_refs only: it is recorded and logged."""
    compiled = next((p for p in book.providers if p.id == provider), None)
    gates = [c for c in compiled.clauses if c.gate == CONSENT] if compiled else []
    subjects = {p["person_ref"] for p in persons if p.get("role") == "subject"}
    if not gates or not subjects:
        return []
    closed = []
    for person, facts in household_facts(referral, on, book.imprisoned_stages):
        if person.person_ref not in subjects:
            continue
        for clause in gates:
            outcome = clause.evaluate(facts, ChainMap()).outcome
            if outcome is not Outcome.passed:
                closed.append(f"{clause.id} {outcome.value} for {person.person_ref}")
    return closed
