"""Clause outcomes and decisions (POLICY.md §1), and the order that makes the worst one win."""
from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    passed = "pass"
    fail = "fail"
    stretch = "stretch"
    not_yet = "not_yet"
    held = "held"
    review = "review"


class Decision(StrEnum):
    eligible = "eligible"
    stretch = "stretch"
    not_yet = "not_yet"
    held = "held"
    review = "review"
    ineligible = "ineligible"


DECISION_OF = {
    Outcome.passed: Decision.eligible,
    Outcome.stretch: Decision.stretch,
    Outcome.held: Decision.held,
    Outcome.not_yet: Decision.not_yet,
    Outcome.review: Decision.review,
    Outcome.fail: Decision.ineligible,
}

# Worst first: ineligible > review > not_yet > held > stretch > eligible.
SEVERITY = {d: rank for rank, d in enumerate(reversed(
    [Decision.ineligible, Decision.review, Decision.not_yet, Decision.held, Decision.stretch, Decision.eligible]))}


# Each outcome's decision after its severity, so the worst is the largest.
_RANKED = {o: (SEVERITY[d], d) for o, d in DECISION_OF.items()}


def worst(outcomes) -> Decision:
    return max(map(_RANKED.__getitem__, outcomes), default=(-1, Decision.eligible))[1]


class Capacity(StrEnum):
    """Provider capacity status, as the HL7 Gravity referral guide codes it."""
    has_capacity = "has_capacity"
    no_capacity = "no_capacity"
    waitlist = "waitlist"
    assessment_required = "assessment_required"
