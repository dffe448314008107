"""The fold: what the report needs to remember from the ledger, event by event, in any order.

Memory grows with provider referrals and persons, never with events: each event updates a
small record and is dropped. Events occurring at or after the month's end are ignored, so a
report for a past month does not change as the ledger grows (except by late-recorded events).
How each event type updates the fold is in handlers.py; the provider referral record is in
provider_referral.py.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pathways_shared.events import EventType as E

from .config import Month
from .handlers import HANDLERS
from .provider_referral import ProviderReferral

# The event types the fold reads from the month's start only; of the others it reads all history.
FROM_MONTH_START = frozenset({E.referral_routed, E.duplicate_presentation_recorded, E.first_contact_reminder_raised})


@dataclass
class Fold:
    month: Month
    referrals: dict[str, ProviderReferral] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)                 # referral id → source type
    profiles: dict[tuple[str, str], tuple] = field(default_factory=dict)   # (referral, person_ref) → profile
    profile_revisions: dict[str, int] = field(default_factory=dict)
    pseudonyms: dict[tuple[str, str], str] = field(default_factory=dict)  # (referral, person_ref) → pseudonym
    routings: dict[str, tuple] = field(default_factory=dict)  # referral → (revision, routed_at, decisions)
    duplicates: list[tuple] = field(default_factory=list)     # (provider, pseudonym, referral, person_ref)
    stars: dict[tuple[str, str], list] = field(default_factory=dict)  # (pr, pseudonym) → [first, latest]
    reminders: Counter = field(default_factory=Counter)
    capacity: dict[str, tuple] = field(default_factory=dict)  # provider → (time, capacity)
    events_read: int = 0

    def __post_init__(self) -> None:
        self.start, self.end = self.month.start, self.month.end
        self._derived: dict[str, tuple[int, object]] = {}
        # One copy of each recurring value (a profile, a status): the fold holds a few per person
        # and provider referral, and every event would otherwise bring new copies of the same ones.
        self._same: dict = {}

    def derived(self, name: str, compute):
        """A value the sections derive from the fold, computed once for its current state."""
        held = self._derived.get(name)
        if held is None or held[0] != self.events_read:
            held = self._derived[name] = (self.events_read, compute(self))
        return held[1]

    def add(self, event_type: str, occurred_at: datetime, info: dict) -> None:
        self.events_read += 1
        handler = HANDLERS.get(event_type)
        if handler is not None and occurred_at < self.end:
            handler(self, occurred_at, info)

    def information_wanted(self) -> dict[str, datetime | None]:
        """Event type → the instant from which the fold reads its information (None: all history);
        it reads nothing at or after the month's end, and only counts the other types."""
        return {kind: self.start if kind in FROM_MONTH_START else None for kind in HANDLERS}

    def in_month(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def providers_of(fold: Fold) -> tuple[str, ...]:
    return fold.derived("providers", _providers)


def _providers(fold: Fold) -> tuple[str, ...]:
    found = {pr.provider for pr in fold.referrals.values()} | set(fold.capacity)
    found |= {d[1] for _, _, decisions in fold.routings.values() for d in decisions}
    return tuple(sorted(found))
