"""Ages in whole years on a Merseyside calendar day: one rule for the intake (which alone holds
dates of birth), the router and the notifier.

Someone born on 29 February turns a year older on 1 March in common years. Events carry the age
the intake computed (`age_years` in the routing view), never the date of birth; the intake
announces the household again when someone's age changes (../shared/domain/POLICY.md §1 "Age").
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .referral_v1 import HouseholdReferral, Person

LONDON = ZoneInfo("Europe/London")


def london_day(moment: datetime) -> date:
    # Merseyside's calendar day: 00:30 BST on the 3rd is the 3rd, not the 2nd (UTC).
    return moment.astimezone(LONDON).date()


def london_today() -> date:
    return datetime.now(LONDON).date()


def years_on(born: date, on: date) -> int:
    """Whole years from `born` to `on`."""
    had_birthday = (on.month, on.day) >= (born.month, born.day)
    if born.month == 2 and born.day == 29 and on.month == 2 and on.day == 28:
        had_birthday = False
    return on.year - born.year - (0 if had_birthday else 1)


def age_on(person: Person, on: date) -> int:
    """Whole years on `on`; a person known only by `age_years` is that age on any day."""
    born = person.date_of_birth
    if born is None:
        return person.age_years  # type: ignore[return-value]  # the contract requires one of the two
    return years_on(born, on)


def next_birthday(born: date, after: date) -> date:
    """The first day after `after` on which someone born on `born` is a year older."""
    for year in (after.year, after.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:  # 29 February in a common year: the age turns on 1 March
            day = date(year, 3, 1)
        if day > after:
            return day
    raise AssertionError("unreachable: a birthday falls within any 366 days")  # pragma: no cover


def ages_day(referral: HouseholdReferral, today: date) -> date:
    """The day a household's ages are announced for: the referral day, or today once it has passed
    (the router routes on the later of the two)."""
    return max(london_day(referral.referred_at), today)


def next_age_change(referral: HouseholdReferral, on: date) -> date | None:
    """The earliest day after `on` on which someone's age changes; None when nobody's date of birth
    is known."""
    days = [next_birthday(p.date_of_birth, on) for p in referral.persons() if p.date_of_birth is not None]
    return min(days, default=None)

