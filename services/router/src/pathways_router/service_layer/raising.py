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
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox

from ..adapters import provider_state as state
from ..adapters import repository as repo
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
    overrides = await state.capacity_overrides(conn)
    return {p.id: Capacity(overrides[p.id]["capacity"]) if p.id in overrides else p.capacity for p in book.providers}


async def open_elsewhere(conn, pseudonyms: dict[str, str], own=lambda provider: None) -> dict:
    """(person_ref, provider) → the oldest open provider referral of that person with that
    provider, other than `own(provider)` (the one being raised again)."""
    ref_of = {p: ref for ref, p in pseudonyms.items() if p}
    found: dict[tuple[str, str], uuid.UUID] = {}
    for row in await state.open_for(conn, list(ref_of)):
        if row.provider_referral_id != own(row.provider):
            found.setdefault((ref_of[row.pseudonym], row.provider), row.provider_referral_id)
    return found


async def plan(conn, referral: HouseholdReferral, book: CompiledRulebook, as_of: date, pseudonyms: dict) -> Routing:
    referral_id = referral.effective_id()
    decisions = evaluate(referral, book, as_of, name_people=False)
    return group(referral, decisions, book, await capacity_now(conn, book),
                 await open_elsewhere(conn, pseudonyms, lambda provider: provider_referral_id(referral_id, provider)))


def persons_out(p: ProviderReferral, pseudonyms: dict) -> list[dict]:
    return [CoveredPersonOut(person_ref=c.person_ref, pseudonym=pseudonyms.get(c.person_ref, ""), role=c.role,
                             decision=c.decision.value if c.decision else None, clause=c.clause).model_dump(mode="json")
            for c in p.persons]


async def raise_routed(conn, referral_id: uuid.UUID, routing: Routing, pseudonyms: dict, book: CompiledRulebook,
                       topics: Topics, source: str) -> list[ProviderReferral]:
    """Raise the provider referrals that cover someone new; record duplicates and who waits for capacity."""
    raised = []
    for p in routing.provider_referrals:
        revision_before, before = await repo.raised_persons(conn, p.provider_referral_id)
        persons = persons_out(p, pseudonyms)
        known = {x["person_ref"] for x in before}
        if {x["person_ref"] for x in persons} <= known:
            continue
        persons += [x for x in before if x["person_ref"] not in {y["person_ref"] for y in persons}]
        await repo.save_raised(conn, p.provider_referral_id, referral_id, p.provider, revision_before + 1, persons)
        await announce(conn, p, persons, revision_before + 1, book, topics, source=source)
        raised.append(p)
    await record_duplicates(conn, referral_id, routing.duplicates, pseudonyms, topics)
    await state.replace_awaiting(conn, referral_id, routing.awaiting_capacity)
    return raised


async def record_duplicates(conn, referral_id: uuid.UUID, duplicates, pseudonyms: dict, topics: Topics) -> None:
    """Each duplicate presentation once, linked to the open provider referral it repeats."""
    for dup in duplicates:
        pseudonym = pseudonyms.get(dup.person_ref, "")
        if await state.record_duplicate(conn, referral_id, dup.provider, dup.person_ref, pseudonym,
                                        dup.open_provider_referral_id):
            await publish(conn, topics, EventType.duplicate_presentation_recorded, referral_id,
                          DuplicatePresentationRecorded(
                              referral_id=referral_id, provider=dup.provider, person_ref=dup.person_ref,
                              pseudonym=pseudonym, open_provider_referral_id=dup.open_provider_referral_id,
                              recorded_at=datetime.now(UTC)),
                          [pseudonym], f"{dup.provider} duplicate presentation recorded")


async def announce(conn, p: ProviderReferral, persons: list[dict], revision: int, book: CompiledRulebook,
                   topics: Topics, *, source: str, parent: uuid.UUID | None = None,
                   onward_reason: str | None = None) -> None:
    """ProviderReferralRaised through the outbox; its subjects now have an open referral there."""
    payload = ProviderReferralRaised(
        provider_referral_id=p.provider_referral_id, referral_id=p.referral_id, provider=p.provider,
        revision=revision, persons=persons, capacity=p.capacity.value, waitlisted=p.waitlisted, urgent=p.urgent,
        rulebook_version=book.version, parent_provider_referral_id=parent, source=source,
        onward_reason=onward_reason)
    await publish(conn, topics, EventType.provider_referral_raised, p.referral_id, payload,
                  [c["pseudonym"] for c in persons], f"{p.provider} referral raised")
    subjects = {c["person_ref"]: c["pseudonym"] for c in persons if c["role"] == "subject"}
    await state.record_open(conn, p.provider_referral_id, p.referral_id, p.provider, subjects)


async def publish(conn, topics: Topics, kind: EventType, referral_id: uuid.UUID, payload, pseudonyms, description):
    event = new_event(kind, referral_id, description=description,
                      additional_information=payload.model_dump(mode="json"),
                      identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms if p])
    await add_to_outbox(conn, event, topic=topics.for_event(kind))
