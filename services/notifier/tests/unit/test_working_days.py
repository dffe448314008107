from datetime import date

import pytest

from pathways_notifier.domain.working_days import (
    ENGLAND_AND_WALES_BANK_HOLIDAYS, Timeliness, add_working_days, first_contact_due, is_working_day,
)


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2026, 11, 2), 5, date(2026, 11, 9)),     # Monday: the next Monday
    (date(2026, 11, 6), 1, date(2026, 11, 9)),     # Friday: the weekend does not count
    (date(2026, 11, 7), 5, date(2026, 11, 13)),    # delivered on a Saturday
    (date(2026, 11, 4), 0, date(2026, 11, 4)),
    (date(2026, 12, 24), 1, date(2026, 12, 29)),   # Christmas Day and Boxing Day's substitute Monday
    (date(2026, 4, 2), 1, date(2026, 4, 7)),       # Good Friday and Easter Monday
    (date(2026, 12, 18), 5, date(2026, 12, 29)),   # over Christmas
    (date(2026, 12, 18), 8, date(2027, 1, 4)),     # and New Year
])
def test_working_days_skip_weekends_and_bank_holidays(start, days, due):
    assert add_working_days(start, days) == due
    assert first_contact_due(start, days) == due


def test_the_holiday_list_is_configurable():
    assert add_working_days(date(2026, 12, 24), 1, holidays=frozenset()) == date(2026, 12, 25)
    assert add_working_days(date(2026, 11, 2), 1, holidays={date(2026, 11, 3)}) == date(2026, 11, 4)


def test_bank_holidays_are_never_at_weekends():
    assert all(day.weekday() < 5 for day in ENGLAND_AND_WALES_BANK_HOLIDAYS)
    assert not is_working_day(date(2026, 8, 31)) and is_working_day(date(2026, 9, 1))


def test_a_negative_number_of_days_is_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 2), -1)


def test_overdue_only_after_the_due_day():
    five = Timeliness(5)
    assert five.due_on(date(2026, 11, 2)) == date(2026, 11, 9)
    assert not five.is_overdue(date(2026, 11, 2), date(2026, 11, 9))
    assert five.is_overdue(date(2026, 11, 2), date(2026, 11, 10))
    assert Timeliness(2).is_overdue(date(2026, 11, 2), date(2026, 11, 5))


def test_the_notifier_reads_its_timeliness_from_the_environment(monkeypatch):
    from pathways_notifier.bootstrap import NotifierSettings

    assert NotifierSettings().timeliness() == Timeliness(5, ENGLAND_AND_WALES_BANK_HOLIDAYS)
    monkeypatch.setenv("FIRST_CONTACT_WORKING_DAYS", "3")
    monkeypatch.setenv("BANK_HOLIDAYS", '["2026-11-03"]')
    timeliness = NotifierSettings().timeliness()
    assert timeliness == Timeliness(3, frozenset({date(2026, 11, 3)}))
    assert timeliness.due_on(date(2026, 11, 2)) == date(2026, 11, 6)
