"""What the intake does with a referral: accept it once, record consent changes, report progress.

Every accepted change is stored together with the event announcing it (transactional outbox),
so an event is published exactly when its change is committed. Personal fields go through the
protected store (adapters.protected); `referrals.document` holds only the skeleton.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.ages import ages_day, london_today, next_age_change
from pathways_shared.contracts.payloads import ConsentRecorded
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.routing_views import referral_submitted_event, routing_view
from pathways_shared.contracts.vocabulary import Consent
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox
from pathways_shared.privacy import household_pseudonyms

from ..adapters import ages
from ..adapters import repository as repo
from ..adapters.protected import ClearDocument, ProtectedStore
from ..domain.personal import without_erased
from ..domain.progress import Delivery, referral_status
from ..domain.referrals import (
    ConcurrentChange, ReferralNotFound, content_hash, stored_document, unkeyed_content_hash, with_consent,
)
from .access import INTAKE_CHECK, Access, read_documents
from .progress import provider_referral_progress

REVISION_RETRIES = 3


class Submission(StrEnum):
    accepted = "accepted"                  # new: stored, and its event is on its way
    already_accepted = "already_accepted"  # the same referral again: nothing new
    conflict = "conflict"                  # the id is taken by different content: nothing changed


@dataclass(frozen=True)
class Submitted:
    referral_id: uuid.UUID
    outcome: Submission


@dataclass(frozen=True)
class ConsentOutcome:
    referral_id: uuid.UUID
    revision: int
    changed: bool


@dataclass
class IntakeService:
    engine: AsyncEngine
    topics: Topics
    pseudonym_key: bytes
    store: ProtectedStore
    today: Callable[[], date] = field(default=london_today)  # the day ages are announced for

    def ages_on(self, referral: HouseholdReferral) -> tuple[date, date | None]:
        """The day the referral's ages are announced for, and the day one of them next changes."""
        on = ages_day(referral, self.today())
        return on, next_age_change(referral, on)

    async def submit_referral(self, referral: HouseholdReferral) -> Submitted:
        referral_id, now = referral.effective_id(), datetime.now(UTC)
        digest = content_hash(referral, self.pseudonym_key)
        try:
            async with self.engine.begin() as conn:
                stored = await repo.load_referral(conn, referral_id)
                if stored is not None:
                    return _repeated(referral, stored, digest)
                document = stored_document(referral)
                on, change = self.ages_on(referral)
                # The referral's row first: a concurrent duplicate waits on its key here and then fails,
                # instead of both writing the protected store's rows and deadlocking there.
                await repo.add_referral(conn, referral_id, self.store.skeleton_of(document), digest,
                                        referral.source.type.value, now, ages_change_on=change)
                await self.store.put(conn, referral_id, document)
                event = referral_submitted_event(referral, revision=1, received_at=now,
                                                 pseudonym_key=self.pseudonym_key, ages_on=on)
                await add_to_outbox(conn, event, topic=self.topics.referrals)
        except IntegrityError:
            # A concurrent submission of the same id committed first; the primary key decided.
            async with self.engine.connect() as conn:
                stored = await repo.load_referral(conn, referral_id)
            if stored is None:
                raise
            return _repeated(referral, stored, digest)
        return Submitted(referral_id, Submission.accepted)

    async def record_consent(self, referral_id: uuid.UUID, person_ref: str, consent: Consent) -> ConsentOutcome:
        """Raises ReferralNotFound or PersonNotInReferral; ConcurrentChange if it never settles."""
        for _ in range(REVISION_RETRIES):
            async with self.engine.begin() as conn:
                stored = await repo.load_referral(conn, referral_id)
                if stored is None:
                    raise ReferralNotFound(referral_id)
                # Consent is not personal data: only the skeleton changes.
                skeleton = with_consent(stored.document, person_ref, consent)
                if skeleton is None:
                    return ConsentOutcome(referral_id, stored.revision, changed=False)
                if not await repo.revise_document(conn, referral_id, stored.revision, skeleton):
                    continue  # revised meanwhile: read it again
                # Opened here only to build the routing view; nothing clear leaves this process.
                clear = (await self.store.clear_many(conn, {referral_id: skeleton}))[referral_id]
                await self._announce_consent(conn, clear, stored.revision + 1, person_ref, consent)
                return ConsentOutcome(referral_id, stored.revision + 1, changed=True)
        raise ConcurrentChange(referral_id)

    async def _announce_consent(self, conn, clear: ClearDocument, revision: int, person_ref: str,
                                consent: Consent):
        referral = HouseholdReferral.model_validate(without_erased(clear.document)[0])
        on, change = self.ages_on(referral)
        await ages.note_next_change(conn, [(referral.effective_id(), change)])
        payload = ConsentRecorded(referral_id=referral.effective_id(), revision=revision, person_ref=person_ref,
                                  consent=consent, routing_view=routing_view(referral, on))
        # The pseudonym stored with the person (an erased person's can no longer be computed).
        pseudonym = clear.pseudonyms.get(person_ref) or household_pseudonyms(referral, self.pseudonym_key)[person_ref]
        event = new_event(EventType.consent_recorded, referral.effective_id(), description="consent recorded",
                          additional_information=payload.model_dump(mode="json"),
                          identifiers=[("PATHWAYS_PERSON", pseudonym)])
        await add_to_outbox(conn, event, topic=self.topics.referrals)

    async def referral_status(self, referral_id: uuid.UUID) -> dict | None:
        """The referral's progress, naming persons by person_ref only; None when unknown."""
        async with self.engine.connect() as conn:
            stored = await repo.load_referral(conn, referral_id)
            if stored is None:
                return None
            routing = await repo.load_routing(conn, referral_id)
            raised = await repo.provider_referrals_of(conn, referral_id)
        status = referral_status(routing is not None, [Delivery(r.delivery) for r in raised])
        return {
            "referral_id": str(referral_id),
            "revision": stored.revision,
            "status": status.value,
            "received_at": _aware(stored.received_at).isoformat(),
            "routed_revision": routing.revision if routing else None,
            "rulebook_version": routing.rulebook_version if routing else None,
            "decisions": routing.decisions if routing else [],
            "provider_referrals": [provider_referral_progress(r) for r in raised],
        }

    async def referral_document(self, referral_id: uuid.UUID,
                                access: Access = INTAKE_CHECK) -> tuple[int, dict] | None:
        """The clear document and its revision (erased fields read as ERASED); the read is audited."""
        found = await self.read_clear(referral_id, access)
        return (found[0], found[1].document) if found else None

    async def read_clear(self, referral_id: uuid.UUID, access: Access) -> tuple[int, ClearDocument] | None:
        async with self.engine.begin() as conn:
            return (await read_documents(conn, self.store, [referral_id], access)).get(referral_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _repeated(referral: HouseholdReferral, stored, digest: str) -> Submitted:
    # A referral stored before digests were keyed kept its plain one.
    same = stored.content_hash in (digest, unkeyed_content_hash(referral))
    return Submitted(referral.effective_id(), Submission.already_accepted if same else Submission.conflict)
