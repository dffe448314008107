"""Onward referrals (POLICY.md §4): a provider refers persons of a household to another provider.
The receiving provider's clauses decide, with the referring provider as the source."""
from __future__ import annotations

from enum import StrEnum

from .engine import PersonDecision
from .outcomes import Decision


class OnwardReason(StrEnum):
    """Why a provider refers onward: a closed list, so nothing free-text travels in an event."""
    family_support = "family_support"
    child_support = "child_support"
    carer_support = "carer_support"
    housing = "housing"
    mentoring = "mentoring"
    life_skills = "life_skills"


def deciding_clauses(d: PersonDecision):
    """The clauses that made the decision, as `pathways explain` shows them."""
    if d.decision is Decision.ineligible:
        return [c for c in d.clauses if c.outcome.value == "fail"]
    return [c for c in d.clauses if c.outcome.value != "pass"]


def explanation(d: PersonDecision) -> str:
    verdict = d.decision.value + (f" from {d.eligible_from}" if d.eligible_from else "")
    clauses = "; ".join(f"{c.id} {c.outcome.value}: {c.reason}" for c in deciding_clauses(d))
    return f"{d.person_ref} is {verdict} for {d.provider}" + (f" — {clauses}" if clauses else "")


def explained(d: PersonDecision) -> dict:
    return {"person_ref": d.person_ref, "provider": d.provider, "decision": d.decision.value,
            "eligible_from": d.eligible_from.isoformat() if d.eligible_from else None,
            "clauses": [c.as_dict() for c in deciding_clauses(d)], "explanation": explanation(d)}
