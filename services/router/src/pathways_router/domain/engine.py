"""Evaluate a household referral: every person × every provider, every clause, worst outcome wins."""
from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from uuid import UUID

from pathways_shared.contracts.referral_v1 import HouseholdReferral

from .compiled import ClauseResult, CompiledRulebook
from .facts import household_facts, referral_date
from .outcomes import Decision, worst


@dataclass(frozen=True, slots=True)
class PersonDecision:
    referral_id: UUID
    person_ref: str
    provider: str
    decision: Decision
    eligible_from: date | None
    clauses: tuple[ClauseResult, ...]
    rulebook_version: str
    marks: tuple[str, ...] = ()
    # Set by grouping when a person is listed on a provider referral without being its subject.
    included_as: str | None = None
    included_by: str | None = None
    included_for: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> list[str]:
        return [c.id for c in self.clauses if c.outcome.value == "fail"]


def _label(labels: dict, group: str, value):
    if value is None:
        return "not recorded"
    return labels.get(group, {}).get(value) or str(value).replace("_", " ")


def _context(person, facts: dict, labels: dict, name_people: bool) -> dict:
    establishment = facts["index.establishment"]
    return {
        "who": (person.given_name if name_people and person.given_name else person.person_ref),
        "age": facts["subject.age"],
        "sex": _label(labels, "sex", facts["subject.sex"]),
        "relationship": _label(labels, "relationships", facts["subject.relationship"]),
        "local_authority": _label(labels, "local_authorities", facts["subject.local_authority"]),
        "consent": _label(labels, "consent", facts["subject.consent"]),
        "stage": _label(labels, "stages", facts["index.stage"]),
        "release_date": facts["index.release_date"].isoformat() if facts["index.release_date"] else "not recorded",
        "days_to_release": facts["index.days_to_release"],
        "days_since_release": facts["index.days_since_release"],
        "establishment": establishment or "not recorded",
        "establishment_name": _label(labels, "prisons", establishment) if establishment else "no prison recorded",
        "resettlement_area": _label(labels, "local_authorities", facts["index.resettlement_area"]),
        "index_consent": _label(labels, "consent", facts["index.consent"]),
        "index_age": facts["index.age"],
    }


def evaluate(referral: HouseholdReferral, book: CompiledRulebook, as_of: date | None = None,
             *, name_people: bool = True) -> list[PersonDecision]:
    """Decisions for every person × provider, in person then provider order.

    `name_people=False` writes reasons with person_refs instead of given names, for events.
    """
    on = as_of or referral_date(referral.referred_at)
    referral_id = referral.effective_id()
    decisions = []
    memo = book.memo
    for person, facts in household_facts(referral, on, book.imprisoned_stages):
        context = _context(person, facts, book.labels, name_people)
        values = facts | context if memo is not None else None
        for provider in book.providers:
            scope = partial(ChainMap, context, provider.template_params)
            if memo is None:
                shared = scope()
                results = tuple(clause.evaluate(facts, shared) for clause in provider.clauses)
            else:
                results = memo.results(provider.clauses, facts, values, scope)
            decision = worst([r.outcome for r in results])
            opens = None
            if decision is Decision.not_yet:
                opens = max(r.eligible_from for r in results if r.eligible_from is not None)
            marks = tuple(sorted({m for r in results for m in r.marks})) if decision is not Decision.ineligible else ()
            decisions.append(PersonDecision(referral_id, person.person_ref, provider.id, decision, opens, results,
                                            book.version, marks))
    return decisions
