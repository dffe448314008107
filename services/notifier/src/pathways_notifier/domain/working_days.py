"""Working days for first-contact timeliness: Monday to Friday, less bank holidays.

The England and Wales bank holidays below are the published ones (substitute days included);
a deployment extends or replaces them with the BANK_HOLIDAYS setting, since one-off holidays
(a coronation, a jubilee) are announced only a year or so ahead.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

ENGLAND_AND_WALES_BANK_HOLIDAYS = frozenset(date.fromisoformat(d) for d in (
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
    "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
))


def is_working_day(day: date, holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int,
                     holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS) -> date:
    """The date `days` working days after `start` (start itself never counts)."""
    if days < 0:
        raise ValueError("a number of working days is 0 or more")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            days -= 1
    return day


def first_contact_due(delivered_on: date, working_days: int,
                      holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS) -> date:
    """The last day first contact is on time: `working_days` working days after delivery."""
    return add_working_days(delivered_on, working_days, holidays)


@dataclass(frozen=True)
class Timeliness:
    """First contact is due `working_days` working days after delivery; after that it is overdue."""
    working_days: int = 5
    holidays: frozenset[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS

    def due_on(self, delivered_on: date) -> date:
        return first_contact_due(delivered_on, self.working_days, self.holidays)

    def is_overdue(self, delivered_on: date, today: date) -> bool:
        return today > self.due_on(delivered_on)
