"""Evaluate a household referral: every person × every provider, every clause, worst outcome wins."""
from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from uuid import UUID

from pathways_shared.contracts.referral_v1 import HouseholdReferral

from .compiled import ClauseResult, CompiledRulebook
from .facts import household_facts, referral_date
from .outcomes import Decision, worst

_OUTCOME, _MARKS = attrgetter("outcome"), attrgetter("marks")


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


def _context(person, facts: dict, labels: dict, name_people: bool, index: dict | None = None) -> dict:
    """The names a reason may use for this person; `index`: those of the household's index person,
    the same for every person (made from the first's facts when not given)."""
    return {
        "who": (person.given_name if name_people and person.given_name else person.person_ref),
        "age": facts["subject.age"],
        "sex": _label(labels, "sex", facts["subject.sex"]),
        "relationship": _label(labels, "relationships", facts["subject.relationship"]),
        "local_authority": _label(labels, "local_authorities", facts["subject.local_authority"]),
        "consent": _label(labels, "consent", facts["subject.consent"]),
    } | (index or _index_context(facts, labels))


def _index_context(facts: dict, labels: dict) -> dict:
    establishment = facts["index.establishment"]
    return {
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
    memo, version, index = book.memo, book.version, None
    for person, facts in household_facts(referral, on, book.imprisoned_stages):
        index = index or _index_context(facts, book.labels)
        context = _context(person, facts, book.labels, name_people, index)
        values = facts | context if memo is not None else None
        for provider in book.providers:
            if memo is None:
                shared = ChainMap(context, provider.template_params)
                results = tuple(clause.evaluate(facts, shared) for clause in provider.clauses)
            else:
                results = memo.results(provider.clauses, facts, values, context, provider.template_params)
            decision = worst(map(_OUTCOME, results))
            opens = None
            if decision is Decision.not_yet:
                opens = max(r.eligible_from for r in results if r.eligible_from is not None)
            marks = ()
            if decision is not Decision.ineligible:
                marks = set().union(*map(_MARKS, results))
                marks = tuple(sorted(marks)) if marks else ()
            decisions.append(PersonDecision(referral_id, person.person_ref, provider.id, decision, opens, results,
                                            version, marks))
    return decisions
