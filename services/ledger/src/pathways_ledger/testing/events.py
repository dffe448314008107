"""Envelopes of the events a report reads, built through the shared payload models so a test's
events are exactly what the producers would publish."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from itertools import count

from pathways_shared.contracts import payloads as p
from pathways_shared.contracts.profiles import PersonProfile
from pathways_shared.events import EventType, new_event


def envelope(event_type: EventType, referral_id, at: datetime, payload, event_id: uuid.UUID) -> dict:
    event = new_event(event_type, uuid.UUID(str(referral_id)), occurred_at=at, event_id=event_id,
                      additional_information=payload.model_dump(mode="json"))
    return event.model_dump(mode="json", exclude_none=True)


class Events:
    """Deterministic ids (uuid from a counter), so the same script builds byte-identical events."""

    def __init__(self, seed: int = 0):
        self._n = count(seed * 10_000_000 + 1)
        self.out: list[dict] = []

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._n))

    def _emit(self, event_type, referral_id, at, payload) -> dict:
        self.out.append(envelope(event_type, referral_id, at, payload, self.uid()))
        return self.out[-1]

    def submitted(self, referral_id, at: datetime, *, source: str, persons: dict[str, tuple[str, dict | None]],
                  revision: int = 1) -> None:
        """persons: person_ref → (pseudonym, profile fields or None)."""
        profiles = {ref: PersonProfile(**prof) for ref, (_, prof) in persons.items() if prof is not None}
        self._emit(EventType.referral_submitted, referral_id, at, p.ReferralSubmitted(
            referral_id=referral_id, revision=revision, source_type=source, received_at=at, routing_view={},
            pseudonyms={ref: ps for ref, (ps, _) in persons.items()}, profiles=profiles or None))

    def routed(self, referral_id, at: datetime, decisions: list[tuple[str, str, str, list[tuple[str, str]]]],
               revision: int = 1) -> None:
        """decisions: (person_ref, provider, decision, [(clause id, outcome), …])."""
        rows = [{"person_ref": ref, "provider": prov, "decision": d, "eligible_from": None, "rulebook_version": "1",
                 "clauses": [{"id": c, "outcome": o, "reason": "-"} for c, o in clauses]}
                for ref, prov, d, clauses in decisions]
        self._emit(EventType.referral_routed, referral_id, at, p.ReferralRouted(
            referral_id=referral_id, revision=revision, as_of=at.date(), rulebook_version="1", decisions=rows,
            provider_referral_ids=[]))

    def raised(self, referral_id, at: datetime, provider: str, persons: list[tuple[str, str]], *, source: str,
               parent=None, onward_reason=None, waitlisted=False) -> uuid.UUID:
        pr_id = self.uid()
        self._emit(EventType.provider_referral_raised, referral_id, at, p.ProviderReferralRaised(
            provider_referral_id=pr_id, referral_id=referral_id, provider=provider, revision=1,
            persons=[p.CoveredPersonOut(person_ref=r, pseudonym=ps, role="subject", decision="eligible")
                     for r, ps in persons],
            capacity="has_capacity", waitlisted=waitlisted, urgent=False, rulebook_version="1",
            parent_provider_referral_id=parent, source=source, onward_reason=onward_reason))
        return pr_id

    def delivered(self, referral_id, pr_id, provider: str, at: datetime) -> None:
        self._emit(EventType.provider_referral_delivered, referral_id, at, p.ProviderReferralDelivered(
            provider_referral_id=pr_id, referral_id=referral_id, provider=provider, webhook_id=f"msg_{pr_id}",
            attempts=1, status_code=200, delivered_at=at))

    def status(self, referral_id, pr_id, provider: str, at: datetime, frm: str, to: str, reason=None) -> None:
        self._emit(EventType.provider_referral_status_changed, referral_id, at, p.ProviderReferralStatusChanged(
            provider_referral_id=pr_id, referral_id=referral_id, provider=provider, from_status=frm, to_status=to,
            reason=reason, changed_at=at, by=f"provider:{provider}"))

    def first_contact(self, referral_id, pr_id, provider: str, at: datetime, on: date) -> None:
        self._emit(EventType.first_contact_recorded, referral_id, at, p.FirstContactRecorded(
            provider_referral_id=pr_id, referral_id=referral_id, provider=provider, contacted_on=on, method="phone",
            recorded_at=at))

    def duplicate(self, referral_id, provider: str, at: datetime, person_ref: str, pseudonym: str, open_pr) -> None:
        self._emit(EventType.duplicate_presentation_recorded, referral_id, at, p.DuplicatePresentationRecorded(
            referral_id=referral_id, provider=provider, person_ref=person_ref, pseudonym=pseudonym,
            open_provider_referral_id=open_pr, recorded_at=at))

    def star(self, referral_id, pr_id, provider: str, at: datetime, pseudonym: str, reading: str,
             scores: dict[str, int]) -> None:
        self._emit(EventType.outcome_star_recorded, referral_id, at, p.OutcomeStarRecorded(
            provider_referral_id=pr_id, referral_id=referral_id, provider=provider, pseudonym=pseudonym,
            reading=reading, scores=scores, recorded_on=at.date()))

    def reminder(self, referral_id, pr_id, provider: str, at: datetime, delivered_on: date, due_on: date) -> None:
        self._emit(EventType.first_contact_reminder_raised, referral_id, at, p.FirstContactReminderRaised(
            provider_referral_id=pr_id, referral_id=referral_id, provider=provider, delivered_on=delivered_on,
            due_on=due_on, working_days=5))

    def capacity(self, provider: str, at: datetime, previous: str, capacity: str) -> None:
        self._emit(EventType.provider_capacity_changed, p.provider_stream_id(provider), at, p.ProviderCapacityChanged(
            provider=provider, previous=previous, capacity=capacity, changed_at=at))
