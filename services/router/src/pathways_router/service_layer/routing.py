"""Route a household referral: decide, group, and describe the result as plain rows."""
from __future__ import annotations

from datetime import date

from pathways_shared.contracts.referral_v1 import HouseholdReferral

from ..domain.compiled import CompiledRulebook
from ..domain.engine import PersonDecision, evaluate
from ..domain.grouping import Routing, group
from ..domain.outcomes import Decision

SHOWN = {d: d.value for d in Decision}  # a decision as rows show it (a plain string)


def route(referral: HouseholdReferral, book: CompiledRulebook, as_of: date | None = None,
          *, name_people: bool = True) -> Routing:
    return group(referral, evaluate(referral, book, as_of, name_people=name_people), book)


def decision_rows(decisions: list[PersonDecision]) -> list[dict]:
    """decision_row of each, for one household's decisions (its id written once)."""
    rows, referral_id, shown = [], None, None
    for d in decisions:
        if d.referral_id is not referral_id:
            referral_id, shown = d.referral_id, str(d.referral_id)
        rows.append(decision_row(d, shown))
    return rows


def decision_row(d: PersonDecision, referral_id: str | None = None) -> dict:
    """One line of `pathways route` output; the keys are a public contract. `referral_id`: the
    decision's, already written as text."""
    row = {
        "referral_id": referral_id or str(d.referral_id),
        "person_ref": d.person_ref,
        "provider": d.provider,
        "decision": SHOWN[d.decision],
        "eligible_from": d.eligible_from.isoformat() if d.eligible_from else None,
        "clauses": [c.as_dict() for c in d.clauses],
        "rulebook_version": d.rulebook_version,
    }
    if d.marks:
        row["marks"] = list(d.marks)
    if d.included_as:
        row["included_as"] = {"role": d.included_as, "clause": d.included_by, "for": list(d.included_for)}
    return row
