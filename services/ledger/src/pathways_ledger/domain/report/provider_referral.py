"""One provider referral as the fold remembers it (state.py), and the statuses that close one."""
from __future__ import annotations

from datetime import date, datetime

CLOSED = frozenset({"rejected", "completed", "cancelled", "failed"})


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
