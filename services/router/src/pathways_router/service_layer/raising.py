"""Routing against the providers as they are now, and raising what it gives through the outbox.

Capacity is the rulebook's declared one unless set since (PUT /v1/providers/{p}/capacity); a
subject with an open provider referral with the same provider is a duplicate presentation,
recorded once and linked to the open one (POLICY.md §4). Every ProviderReferralRaised names its
source: the household's source type, or "provider:<id>" when a provider referred.
"""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import (
    CoveredPersonOut, DuplicatePresentationRecorded, ProviderReferralRaised,
)
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.events import DomainEvent, EventType, new_event
from pathways_shared.outbox import add_to_outbox

from ..adapters import provider_state as state
from ..adapters.staged import Staged
from ..domain.compiled import CompiledRulebook
from ..domain.engine import evaluate
from ..domain.grouping import ProviderReferral, Routing, group, provider_referral_id
from ..domain.outcomes import Capacity


def source_of(referral: HouseholdReferral) -> str:
    source = referral.source
    if source.type.value == "provider" and source.provider_id:
        return f"provider:{source.provider_id}"
    return source.type.value


async def capacity_now(conn, book: CompiledRulebook) -> dict[str, Capacity]:
    return capacity_of(book, await state.capacity_overrides(conn))


def capacity_of(book: CompiledRulebook, overrides: dict[str, dict]) -> dict[str, Capacity]:
    return {p.id: Capacity(overrides[p.id]["capacity"]) if p.id in overrides else p.capacity for p in book.providers}


async def open_elsewhere(conn, pseudonyms: dict[str, str], own=lambda provider: None) -> dict:
    """(person_ref, provider) → the oldest open provider referral of that person with that
    provider, other than `own(provider)` (the one being raised again)."""
    return oldest_open(await state.open_for(conn, [p for p in pseudonyms.values() if p]), pseudonyms, own)


def oldest_open(rows, pseudonyms: dict[str, str], own=lambda provider: None) -> dict:
    """open_elsewhere's answer from the open provider referrals of these persons, oldest first."""
    ref_of = {p: ref for ref, p in pseudonyms.items() if p}
    found: dict[tuple[str, str], uuid.UUID] = {}
    for row in rows:
        row = row if isinstance(row, dict) else row._mapping
        if row["provider_referral_id"] != own(row["provider"]):
            found.setdefault((ref_of[row["pseudonym"]], row["provider"]), row["provider_referral_id"])
    return found


def plan(staged: Staged, referral: HouseholdReferral, book: CompiledRulebook, as_of: date, pseudonyms: dict) -> Routing:
    referral_id = referral.effective_id()
    decisions = evaluate(referral, book, as_of, name_people=False)
    ref_of = {p for p in pseudonyms.values() if p}
    return group(referral, decisions, book, capacity_of(book, staged.capacity),
                 oldest_open(staged.open_for(ref_of), pseudonyms,
                             lambda provider: provider_referral_id(referral_id, provider)))


def persons_out(p: ProviderReferral, pseudonyms: dict) -> list[dict]:
    return [CoveredPersonOut(person_ref=c.person_ref, pseudonym=pseudonyms.get(c.person_ref, ""), role=c.role,
                             decision=c.decision.value if c.decision else None, clause=c.clause).model_dump(mode="json")
            for c in p.persons]


def raise_routed(staged: Staged, referral_id: uuid.UUID, routing: Routing, pseudonyms: dict, book: CompiledRulebook,
                 topics: Topics, source: str) -> list[ProviderReferral]:
    """Raise the provider referrals that cover someone new; record duplicates and who waits for capacity."""
    raised = []
    for p in routing.provider_referrals:
        before = staged.raised.get(p.provider_referral_id, {"revision": 0, "persons": []})
        persons = persons_out(p, pseudonyms)
        known = {x["person_ref"] for x in before["persons"]}
        if {x["person_ref"] for x in persons} <= known:
            continue
        persons += [x for x in before["persons"] if x["person_ref"] not in {y["person_ref"] for y in persons}]
        revision = before["revision"] + 1
        staged.save_raised(p.provider_referral_id, referral_id, p.provider, revision, persons)
        staged.add_to_outbox(*raised_event(p, persons, revision, book, topics, source=source))
        staged.record_open(p.provider_referral_id, p.referral_id, p.provider, subjects_of(persons))
        raised.append(p)
    for dup in routing.duplicates:
        pseudonym = pseudonyms.get(dup.person_ref, "")
        if staged.record_duplicate(referral_id, dup.provider, dup.person_ref, pseudonym, dup.open_provider_referral_id):
            staged.add_to_outbox(*duplicate_event(referral_id, dup, pseudonym, topics))
    queued = staged.queued_at("awaiting", referral_id)
    staged.replace(staged.awaiting, referral_id, state.awaiting_rows(referral_id, routing.awaiting_capacity, queued),
                   "awaiting", lambda r: (r["provider"], r["person_ref"]))
    return raised


async def record_duplicates(conn, referral_id: uuid.UUID, duplicates, pseudonyms: dict, topics: Topics) -> None:
    """Each duplicate presentation once, linked to the open provider referral it repeats."""
    for dup in duplicates:
        pseudonym = pseudonyms.get(dup.person_ref, "")
        if await state.record_duplicate(conn, referral_id, dup.provider, dup.person_ref, pseudonym,
                                        dup.open_provider_referral_id):
            event, topic = duplicate_event(referral_id, dup, pseudonym, topics)
            await add_to_outbox(conn, event, topic=topic)


def duplicate_event(referral_id: uuid.UUID, dup, pseudonym: str, topics: Topics) -> tuple[DomainEvent, str]:
    return event_of(topics, EventType.duplicate_presentation_recorded, referral_id, DuplicatePresentationRecorded(
        referral_id=referral_id, provider=dup.provider, person_ref=dup.person_ref, pseudonym=pseudonym,
        open_provider_referral_id=dup.open_provider_referral_id, recorded_at=datetime.now(UTC)),
        [pseudonym], f"{dup.provider} duplicate presentation recorded")


async def announce(conn, p: ProviderReferral, persons: list[dict], revision: int, book: CompiledRulebook,
                   topics: Topics, *, source: str, parent: uuid.UUID | None = None,
                   onward_reason: str | None = None) -> None:
    """ProviderReferralRaised through the outbox; its subjects now have an open referral there."""
    event, topic = raised_event(p, persons, revision, book, topics, source=source, parent=parent,
                                onward_reason=onward_reason)
    await add_to_outbox(conn, event, topic=topic)
    await state.record_open(conn, p.provider_referral_id, p.referral_id, p.provider, subjects_of(persons))


def raised_event(p: ProviderReferral, persons: list[dict], revision: int, book: CompiledRulebook, topics: Topics, *,
                 source: str, parent: uuid.UUID | None = None, onward_reason: str | None = None):
    payload = ProviderReferralRaised(
        provider_referral_id=p.provider_referral_id, referral_id=p.referral_id, provider=p.provider,
        revision=revision, persons=persons, capacity=p.capacity.value, waitlisted=p.waitlisted, urgent=p.urgent,
        rulebook_version=book.version, parent_provider_referral_id=parent, source=source,
        onward_reason=onward_reason)
    return event_of(topics, EventType.provider_referral_raised, p.referral_id, payload,
                    [c["pseudonym"] for c in persons], f"{p.provider} referral raised")


def subjects_of(persons: list[dict]) -> dict[str, str]:
    return {c["person_ref"]: c["pseudonym"] for c in persons if c["role"] == "subject"}


async def publish(conn, topics: Topics, kind: EventType, referral_id: uuid.UUID, payload, pseudonyms, description):
    event, topic = event_of(topics, kind, referral_id, payload, pseudonyms, description)
    await add_to_outbox(conn, event, topic=topic)


def event_of(topics: Topics, kind: EventType, referral_id: uuid.UUID, payload, pseudonyms,
             description) -> tuple[DomainEvent, str]:
    event = new_event(kind, referral_id, description=description,
                      additional_information=payload.model_dump(mode="json"),
                      identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms if p])
    return event, topics.for_event(kind)
