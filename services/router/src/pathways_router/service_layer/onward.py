"""Refer onward from a provider referral: the receiving provider's clauses decide for the named
persons, on the household's stored routing view with the referring provider as its source."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from pathways_shared.auth import Caller
from pathways_shared.contracts.referral_v1 import HouseholdReferral, Source
from pathways_shared.contracts.vocabulary import SourceType

from ..adapters import provider_state as state
from ..adapters import repository as repo
from ..domain.engine import PersonDecision, evaluate
from ..domain.facts import referral_date
from ..domain.grouping import DuplicatePresentation, ProviderReferral, group, routable
from ..domain.onward import OnwardReason, explained
from ..domain.outcomes import Decision
from . import raising
from .handlers import RouterService


class ParentNotFound(LookupError):
    """No such provider referral, or not one the caller's provider raised or received."""


class OnwardRefused(ValueError):
    def __init__(self, status: int, problems: list[dict], decisions: list[dict] | None = None):
        super().__init__(problems[0]["message"])
        self.status, self.problems, self.decisions = status, problems, decisions or []


@dataclass
class Onward:
    parent_id: uuid.UUID
    source: str
    reason: OnwardReason
    raised: ProviderReferral | None = None
    persons: list[dict] = field(default_factory=list)
    duplicates: list[DuplicatePresentation] = field(default_factory=list)


def _problem(path: str, kind: str, message: str) -> dict:
    return {"path": path, "type": kind, "message": message}


def _as_referred_by(referral: HouseholdReferral, provider: str) -> HouseholdReferral:
    return referral.model_copy(update={"source": Source(type=SourceType.provider, provider_id=provider)})


def _check_request(referral: HouseholdReferral, parent_provider: str, provider: str, person_refs: list[str],
                   known_providers: set[str]) -> None:
    problems = []
    if provider not in known_providers:
        known = ", ".join(sorted(known_providers))
        problems.append(_problem("provider", "unknown_provider",
                                 f"no provider {provider!r} in the rulebook; known: {known}"))
    elif provider == parent_provider:
        problems.append(_problem("provider", "same_provider", "an onward referral goes to another provider"))
    household = {p.person_ref for p in referral.persons()}
    problems += [_problem(f"person_refs[{i}]", "unknown_person", f"{ref!r} is not a person of this household")
                 for i, ref in enumerate(person_refs) if ref not in household]
    if problems:
        raise OnwardRefused(422, problems)


def _refuse_undecided(decisions: list[PersonDecision], capacity) -> None:
    refused = [d for d in decisions if d.decision not in (Decision.eligible, Decision.stretch)]
    if refused:
        raise OnwardRefused(422, [_problem("person_refs", "not_eligible", e["explanation"])
                                  for e in map(explained, refused)], [explained(d) for d in refused])
    waiting = [d for d in decisions if not routable(d.decision, capacity)]
    if waiting:
        raise OnwardRefused(409, [_problem("provider", "at_capacity",
                                           f"{d.person_ref} is {d.decision.value} for {d.provider}, which is "
                                           f"{capacity.value}: not routed until it has capacity") for d in waiting],
                            [explained(d) for d in waiting])


async def refer_onward(service: RouterService, caller: Caller, parent_id: uuid.UUID, provider: str,
                       person_refs: list[str], reason: OnwardReason) -> Onward:
    """Raise the onward provider referral, or refuse with the reasons (OnwardRefused)."""
    book = service.book
    async with service.engine.begin() as conn:
        await state.lock_open_referrals(conn, provider)
        parent = await state.load_raised(conn, parent_id)
        # Another provider's referral is reported as unknown: its existence is not the caller's business.
        if parent is None or not (caller.is_admin or parent.provider in caller.providers):
            raise ParentNotFound(parent_id)
        stored = await repo.load_household(conn, parent.referral_id)
        if stored is None:
            raise ParentNotFound(parent_id)
        referral = _as_referred_by(HouseholdReferral.model_validate(stored.routing_view), parent.provider)
        _check_request(referral, parent.provider, provider, person_refs, {p.id for p in book.providers})
        as_of = max(referral_date(referral.referred_at), service.today())
        wanted = set(person_refs)
        decisions = [d for d in evaluate(referral, book, as_of, name_people=False)
                     if d.provider == provider and d.person_ref in wanted]
        capacity = await raising.capacity_now(conn, book)
        _refuse_undecided(decisions, capacity[provider])
        routing = group(referral, decisions, book, capacity, await raising.open_elsewhere(conn, stored.pseudonyms))
        done = Onward(parent_id, f"provider:{parent.provider}", reason, duplicates=routing.duplicates)
        await raising.record_duplicates(conn, parent.referral_id, routing.duplicates, stored.pseudonyms,
                                        service.topics)
        if routing.provider_referrals:
            p = replace(routing.provider_referrals[0], provider_referral_id=uuid.uuid4())
            done.raised, done.persons = p, raising.persons_out(p, stored.pseudonyms)
            await state.save_onward(conn, p.provider_referral_id, p.referral_id, p.provider, done.persons, parent_id)
            await raising.announce(conn, p, done.persons, 1, book, service.topics, source=done.source,
                                   parent=parent_id, onward_reason=reason.value)
    return done
