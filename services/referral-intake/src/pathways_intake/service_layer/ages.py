"""The birthday job: households are announced again (ReferralUpdated, changed_fields ["age"],
cause "birthday") once someone's age has changed since their ages were last announced, so the
router routes on current ages without ever holding a date of birth (TMUK from 5, the upper age
limits of Shelter and MOMS: ../shared/domain/POLICY.md §1).

Each referral keeps the day its ages next change (`referrals.ages_change_on`); the job opens
dates of birth only on that day, in memory, and nothing clear leaves the intake. Safe with
several intake processes: due referrals are locked and each announcement bumps the revision.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.routing_views import routing_view, updated_payload
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import add_to_outbox
from pathways_shared.periodic import Periodic

from ..adapters import ages
from ..domain.personal import SOURCE_REF, without_erased
from .intake import IntakeService

log = logging.getLogger("pathways_intake.ages")
BATCH = 100
CAUSE = "birthday"


@dataclass
class BirthdayAnnouncements(Periodic):
    service: IntakeService
    poll_seconds: float = 3600.0
    task_name = "birthday-announcements"

    async def run_due(self) -> int:
        """Announce every household whose ages changed on or before today; how many were."""
        announced = 0
        while True:
            done, taken = await self._one_batch()
            announced += done
            if taken < BATCH or not done:  # a full batch of nothing announceable: wait for the next pass
                return announced

    async def _one_batch(self) -> tuple[int, int]:
        service, today, done = self.service, self.service.today(), 0
        async with service.engine.begin() as conn:
            rows = await ages.due(conn, today, BATCH)
            # Opened only to compute ages; nothing clear leaves this process (not a disclosure).
            opened = await service.store.clear_many(conn, {r.referral_id: r.document for r in rows})
            for row in rows:
                try:
                    referral = HouseholdReferral.model_validate(without_erased(opened[row.referral_id].document)[0])
                except ValueError:  # the message may quote the document: the id only, and stop tracking it
                    log.error("referral unreadable; its ages are no longer announced",
                              extra={"referral_id": str(row.referral_id)})
                    await ages.note_next_change(conn, [(row.referral_id, None)])
                    continue
                on, change = service.ages_on(referral)  # change: after today, so not due again
                if not await ages.revise_for_ages(conn, row.referral_id, row.revision, change):
                    continue  # revised meanwhile, and announced with current ages then
                event = _announcement(referral, row.revision + 1, on, opened[row.referral_id].pseudonyms)
                await add_to_outbox(conn, event, topic=service.topics.referrals)
                done += 1
        return done, len(rows)


def _announcement(referral: HouseholdReferral, revision: int, on: date, pseudonyms: dict[str, str]):
    payload = updated_payload(referral, revision, ["age"], CAUSE, routing_view(referral, on))
    return new_event(EventType.referral_updated, referral.effective_id(), description="ages changed",
                     additional_information=payload,
                     identifiers=[("PATHWAYS_PERSON", p) for ref, p in pseudonyms.items()
                                  if ref != SOURCE_REF])
