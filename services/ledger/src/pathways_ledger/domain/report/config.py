"""What a report is computed for and with: the calendar month, and the commissioner's settings."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR, LAST_YEAR = 1900, 9998

# Which criterion each routing clause checks (clause ids of ../shared/domain/POLICY.md §3), so a
# decision that did not become a referral is counted under a reason a commissioner recognises.
# `subject` clauses say a person is not whom the provider serves at all: not unmet need.
CLAUSE_CRITERIA = {
    "POPS-1": "subject", "POPS-2": "stage", "POPS-3": "area", "POPS-4": "consent", "POPS-5": "safeguarding",
    "POPS-6": "index_criteria",
    "TMUK-1": "age", "TMUK-2": "subject", "TMUK-3": "area", "TMUK-4": "consent",
    "SHEL-1": "subject", "SHEL-2": "age", "SHEL-3": "area", "SHEL-4": "need", "SHEL-5": "offence", "SHEL-6": "stage",
    "MOMS-1": "subject", "MOMS-2": "age", "MOMS-3": "offence", "MOMS-4": "prison", "MOMS-5": "area",
    "MOMS-6": "stage",
    "MAG-1": "subject", "MAG-2": "age", "MAG-3": "offence", "MAG-4": "setting",
}


class BadMonth(ValueError):
    """A month that is not YYYY-MM, or out of the years a report can be made for."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text or "")
        if not found:
            raise BadMonth(f"month must be YYYY-MM, not {text!r}")
        if not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
            # The last month has a month after it to end it (dates stop at 9999); the first is as
            # early as any event the services take (an HMPPS occurredAt from 1900).
            raise BadMonth(f"month must fall in {FIRST_YEAR}-01 to {LAST_YEAR}-12, not {text!r}")
        return cls(int(found[1]), int(found[2]))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first instant of the month in London, in UTC."""
        return datetime.combine(self.first_day, datetime.min.time(), LONDON).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.next_first_day, datetime.min.time(), LONDON).astimezone(UTC)


@dataclass(frozen=True)
class ReportConfig:
    """suppress_below: published counts from 1 to suppress_below − 1 are shown as '<N'.
    first_contact_working_days: the deadline, in working days (Mon–Fri, not `holidays`) after delivery."""
    suppress_below: int = 5
    first_contact_working_days: int = 5
    holidays: frozenset[date] = field(default_factory=frozenset)
    clause_criteria: dict[str, str] = field(default_factory=lambda: dict(CLAUSE_CRITERIA))

    def __post_init__(self) -> None:
        if self.suppress_below < 1:
            raise ValueError("suppress_below must be at least 1 (1 suppresses nothing)")
        if self.first_contact_working_days < 1:
            raise ValueError("first_contact_working_days must be at least 1")


def add_working_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()
