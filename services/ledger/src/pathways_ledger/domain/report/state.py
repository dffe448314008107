"""The fold: what the report needs to remember from the ledger, event by event, in any order.

Memory grows with provider referrals and persons, never with events: each event updates a
small record and is dropped. Events occurring at or after the month's end are ignored, so a
report for a past month does not change as the ledger grows (except by late-recorded events).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from pathways_shared.events import EventType as E

from .config import Month

CLOSED = frozenset({"rejected", "completed", "cancelled", "failed"})
# The event types the fold reads from the month's start only; of the others it reads all history.
FROM_MONTH_START = frozenset({E.referral_routed, E.duplicate_presentation_recorded, E.first_contact_reminder_raised})

class ProviderReferral:
    """One provider referral as the month sees it: when it moved, and its status at both ends."""
    __slots__ = ("id", "referral_id", "provider", "source", "parent_id", "onward_reason", "waitlisted", "raised_at",
                 "persons", "delivered_at", "first_contact_on", "reached", "at_start", "at_end", "closed_in_month")

    def __init__(self, pr_id: str, provider: str):
        self.id, self.provider = pr_id, provider
        self.referral_id = self.source = self.parent_id = self.onward_reason = None
        self.waitlisted, self.raised_at, self.persons = False, None, ()
        self.delivered_at: datetime | None = None
        self.first_contact_on: date | None = None
        self.reached: dict[str, datetime] = {}      # status → first time it was entered
        self.at_start: tuple = ()                    # (time, status, reason) latest before the month
        self.at_end: tuple = ()                      # the same, latest before the month's end
        self.closed_in_month = 0

    def status(self, which: tuple) -> str:
        """Status in a snapshot: 'routed' until delivered, 'requested' once delivered."""
        return which[1] if which else ("requested" if self.delivered_at else "routed")

    def open_at_start(self, start: datetime) -> bool:
        return self.raised_at is not None and self.raised_at < start and self.status(self.at_start) not in CLOSED

    def open_at_end(self) -> bool:
        return self.raised_at is not None and self.status(self.at_end) not in CLOSED


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
        handler = _HANDLERS.get(event_type)
        if handler is not None and occurred_at < self.end:
            handler(self, occurred_at, info)

    def information_wanted(self) -> dict[str, datetime | None]:
        """Event type → the instant from which the fold reads its information (None: all history);
        it reads nothing at or after the month's end, and only counts the other types."""
        return {kind: self.start if kind in FROM_MONTH_START else None for kind in _HANDLERS}

    def in_month(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def _pr(self, info: dict) -> ProviderReferral:
        pr_id = info["provider_referral_id"]
        pr = self.referrals.get(pr_id)
        if pr is None:  # an event about a provider referral the ledger never saw raised
            pr = self.referrals[pr_id] = ProviderReferral(pr_id, info.get("provider", "unknown"))
        return pr

    def _submitted(self, at: datetime, info: dict) -> None:
        referral, same = info["referral_id"], self._same.setdefault
        if "source_type" in info:
            self.sources[referral] = same(info["source_type"], info["source_type"])
        for ref, pseudonym in info.get("pseudonyms", {}).items():
            self.pseudonyms[(referral, same(ref, ref))] = pseudonym
        revision = info.get("revision", 0)
        if info.get("profiles") and revision >= self.profile_revisions.get(referral, -1):
            self.profile_revisions[referral] = revision
            for ref, p in info["profiles"].items():
                profile = (p["age_band"], p["sex"], p["ethnicity_group"], p["local_authority"],
                           tuple(p.get("missing", ())))
                self.profiles[(referral, same(ref, ref))] = same(profile, profile)

    def _routed(self, at: datetime, info: dict) -> None:
        if at < self.start:
            return
        referral, revision = info["referral_id"], info.get("revision", 0)
        if revision >= self.routings.get(referral, (-1,))[0]:
            decisions = tuple((d["person_ref"], d["provider"], d["decision"],
                               tuple((c["id"], c["outcome"]) for c in d.get("clauses", ()) if c["outcome"] != "pass"))
                              for d in info.get("decisions", ()))
            self.routings[referral] = (revision, at, decisions)

    def _raised(self, at: datetime, info: dict) -> None:
        pr, same = self._pr(info), self._same.setdefault
        pr.provider, pr.referral_id, pr.raised_at = same(info["provider"], info["provider"]), info["referral_id"], at
        pr.source, pr.parent_id = info.get("source"), info.get("parent_provider_referral_id")
        pr.onward_reason, pr.waitlisted = info.get("onward_reason"), bool(info.get("waitlisted"))
        pr.persons = tuple((p["person_ref"], p["pseudonym"]) for p in info.get("persons", ()))

    def _delivered(self, at: datetime, info: dict) -> None:
        pr = self._pr(info)
        if pr.delivered_at is None or at < pr.delivered_at:
            pr.delivered_at = at

    def _status(self, at: datetime, info: dict) -> None:
        pr, to = self._pr(info), info["to_status"]
        to = self._same.setdefault(to, to)
        snapshot = (at, to, info.get("reason"))
        if at < self.start and (not pr.at_start or at >= pr.at_start[0]):
            pr.at_start = snapshot
        if not pr.at_end or at >= pr.at_end[0]:
            pr.at_end = snapshot
        if to not in pr.reached or at < pr.reached[to]:
            pr.reached[to] = at
        if to in CLOSED and self.in_month(at):
            pr.closed_in_month += 1

    def _first_contact(self, at: datetime, info: dict) -> None:
        pr, on = self._pr(info), date.fromisoformat(info["contacted_on"])
        if pr.first_contact_on is None or on < pr.first_contact_on:
            pr.first_contact_on = on

    def _duplicate(self, at: datetime, info: dict) -> None:
        if self.in_month(at):
            self.duplicates.append((info["provider"], info["pseudonym"], info["referral_id"], info["person_ref"]))

    def _star(self, at: datetime, info: dict) -> None:
        reading = (info["recorded_on"], at, info["scores"])
        held = self.stars.setdefault((info["provider_referral_id"], info["pseudonym"]), [reading, reading])
        held[0] = min(held[0], reading, key=lambda r: r[:2])
        held[1] = max(held[1], reading, key=lambda r: r[:2])
        self._pr(info)

    def _reminder(self, at: datetime, info: dict) -> None:
        if self.in_month(at):
            self.reminders[info["provider"]] += 1

    def _capacity(self, at: datetime, info: dict) -> None:
        if info["provider"] not in self.capacity or at >= self.capacity[info["provider"]][0]:
            self.capacity[info["provider"]] = (at, info["capacity"])


# Unbound, so a fold holds no reference cycle and is freed as soon as it is dropped.
_HANDLERS = {
    E.referral_submitted: Fold._submitted, E.referral_updated: Fold._submitted, E.referral_routed: Fold._routed,
    E.provider_referral_raised: Fold._raised, E.provider_referral_delivered: Fold._delivered,
    E.provider_referral_status_changed: Fold._status, E.first_contact_recorded: Fold._first_contact,
    E.duplicate_presentation_recorded: Fold._duplicate, E.outcome_star_recorded: Fold._star,
    E.first_contact_reminder_raised: Fold._reminder, E.provider_capacity_changed: Fold._capacity,
}


def providers_of(fold: Fold) -> tuple[str, ...]:
    return fold.derived("providers", _providers)


def _providers(fold: Fold) -> tuple[str, ...]:
    found = {pr.provider for pr in fold.referrals.values()} | set(fold.capacity)
    found |= {d[1] for _, _, decisions in fold.routings.values() for d in decisions}
    return tuple(sorted(found))


def by_provider(items, key) -> dict[str, list]:
    grouped = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return grouped
