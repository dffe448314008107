"""New cases of a caseload chunk, inserted together with their sealed fields and events.

Each referral's clear document and pseudonyms are made once and serve its row, its sealed fields
and its ReferralSubmitted event alike: making them is most of the cost of a new case.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.routing_views import referral_submitted_event
from pathways_shared.privacy import household_pseudonyms

from ..adapters import repository as repo
from ..adapters.sealed_fields import Prepared
from ..domain.referrals import document_hash, stored_document
from .intake import IntakeService


async def create_cases(conn: AsyncConnection, service: IntakeService, fresh: list[HouseholdReferral]):
    """Insert the new cases together; the ids inserted (not those raced to) and their events."""
    if not fresh:
        return set(), []
    now, key = datetime.now(UTC), service.pseudonym_key
    cases = [_new_case(service, r) for r in fresh]
    created = await repo.add_referrals(conn, [
        {"referral_id": c.prepared.referral_id, "document": c.prepared.skeleton,
         "content_hash": document_hash(c.document, key), "source_type": c.referral.source.type.value,
         "ages_change_on": c.ages[1]} for c in cases], now)
    cases = [c for c in cases if c.prepared.referral_id in created]
    await service.store.put_prepared(conn, [c.prepared for c in cases])
    return created, [referral_submitted_event(c.referral, revision=1, received_at=now, pseudonym_key=key,
                                              ages_on=c.ages[0], pseudonyms=c.household, document=c.document)
                     for c in cases]


@dataclass(frozen=True)
class _NewCase:
    referral: HouseholdReferral
    document: dict                      # stored_document: the clear document
    household: dict[str, str]           # household_pseudonyms
    ages: tuple                         # service.ages_on: (announced on, next change)
    prepared: Prepared                  # for the protected store


def _new_case(service: IntakeService, referral: HouseholdReferral) -> _NewCase:
    document, household = stored_document(referral), household_pseudonyms(referral, service.pseudonym_key)
    return _NewCase(referral, document, household, service.ages_on(referral),
                    service.store.prepare(referral.effective_id(), document, household))
