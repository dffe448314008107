"""Decisions become provider referrals: one household × one provider, listing the persons covered.

Capacity (POLICY.md §4): `stretch` is routed only while the provider has capacity; `eligible` is
routed under `waitlist` (marked waitlisted) and `assessment_required` (marked), and waits for
capacity under `no_capacity`. Persons waiting for capacity are listed so they can be released in
order of arrival when the provider's capacity returns. A capacity set at run time overrides the
rulebook's declared one.

Duplicates (§4): a subject who already has an open provider referral with the same provider
(another household's, or an onward one) is left out and listed as a duplicate presentation of it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Mapping

from pathways_shared.contracts.referral_v1 import HouseholdReferral

from .compiled import CompiledProvider, CompiledRulebook
from .engine import PersonDecision
from .outcomes import Capacity, Decision

PROVIDER_REFERRAL_NAMESPACE = uuid.UUID("b1f7f0d4-3a52-4c55-8f2e-54c1a0d9e7a3")


# Remembered: a batch names each household's provider referrals when it loads them and again
# when it routes the household (a few thousand ids apart at most).
@lru_cache(maxsize=8192)
def provider_referral_id(referral_id: uuid.UUID, provider: str) -> uuid.UUID:
    """Stable per household × provider, so a re-route or a redelivery names the same referral."""
    return uuid.uuid5(PROVIDER_REFERRAL_NAMESPACE, f"{referral_id}:{provider}")


@dataclass(frozen=True, slots=True)
class CoveredPerson:
    person_ref: str
    role: str               # "subject", or how an include clause lists them ("carer", "household_member")
    decision: Decision | None
    clause: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderReferral:
    provider_referral_id: uuid.UUID
    referral_id: uuid.UUID
    provider: str
    persons: tuple[CoveredPerson, ...]
    capacity: Capacity
    urgent: bool

    @property
    def waitlisted(self) -> bool:
        return self.capacity is Capacity.waitlist

    @property
    def subjects(self) -> list[str]:
        return [p.person_ref for p in self.persons if p.role == "subject"]


@dataclass(frozen=True, slots=True)
class DuplicatePresentation:
    person_ref: str
    provider: str
    open_provider_referral_id: uuid.UUID


@dataclass(frozen=True)
class Routing:
    decisions: list[PersonDecision]
    provider_referrals: list[ProviderReferral]
    awaiting_capacity: list[PersonDecision]
    duplicates: list[DuplicatePresentation] = field(default_factory=list)


def routable(decision: Decision, capacity: Capacity) -> bool:
    if decision is Decision.eligible:
        return capacity is not Capacity.no_capacity
    return decision is Decision.stretch and capacity is Capacity.has_capacity


def _included(provider: CompiledProvider, referral: HouseholdReferral, subjects: list[str]):
    members = {m.person_ref: m for m in referral.family_members}
    for include in provider.includes:
        if include.who == "carers_of_subjects":
            for ref in subjects:
                carer = members[ref].carer_ref if ref in members else None
                if carer:
                    yield carer, include, ref
        elif include.who == "household":
            for member in referral.family_members:
                if member.lives_with_index:
                    yield member.person_ref, include, referral.index_person.person_ref


def group(referral: HouseholdReferral, decisions: list[PersonDecision], book: CompiledRulebook,
          capacity: Mapping[str, Capacity] | None = None,
          open_elsewhere: Mapping[tuple[str, str], uuid.UUID] | None = None) -> Routing:
    """`capacity`: provider → capacity now (default: as declared); `open_elsewhere`: (person_ref,
    provider) → the open provider referral that person already has with that provider."""
    by_key = {(d.person_ref, d.provider): d for d in decisions}
    capacity, open_elsewhere = capacity or {}, open_elsewhere or {}
    out, waiting, duplicates = [], [], []
    for provider in book.providers:
        now = capacity.get(provider.id, provider.capacity)
        mine = [d for d in decisions if d.provider == provider.id]
        routed = [d.person_ref for d in mine if routable(d.decision, now)]
        waiting += [d for d in mine if d.decision in (Decision.eligible, Decision.stretch)
                    and d.person_ref not in routed]
        duplicates += [DuplicatePresentation(ref, provider.id, open_elsewhere[ref, provider.id])
                       for ref in routed if (ref, provider.id) in open_elsewhere]
        subjects = [ref for ref in routed if (ref, provider.id) not in open_elsewhere]
        if not subjects:
            continue
        persons = [CoveredPerson(ref, "subject", by_key[ref, provider.id].decision) for ref in subjects]
        extra: dict[str, tuple] = {}
        for ref, include, for_ref in _included(provider, referral, subjects):
            if ref not in subjects:
                clause, role, fors = extra.get(ref, (include.clause, include.included_as, ()))
                extra[ref] = (clause, role, fors + (for_ref,))
        for ref, (clause, role, fors) in extra.items():
            persons.append(CoveredPerson(ref, role, None, clause))
            if (ref, provider.id) in by_key:  # an onward referral decides only for the persons it names
                by_key[ref, provider.id] = replace(by_key[ref, provider.id], included_as=role, included_by=clause,
                                                   included_for=fors)
        urgent = any("urgent" in by_key[ref, provider.id].marks for ref in subjects)
        out.append(ProviderReferral(provider_referral_id(referral.effective_id(), provider.id),
                                    referral.effective_id(), provider.id, tuple(persons), now, urgent))
    return Routing([by_key[d.person_ref, d.provider] for d in decisions], out, waiting, duplicates)
