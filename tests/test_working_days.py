"""Working-day arithmetic: weekends, England and Wales bank holidays, LA closure days."""

from datetime import date

import pytest

from portal.working_days import is_working_day, shift_working_days, working_days_until


@pytest.mark.parametrize(
    "meeting, offset, expected",
    [
        (date(2026, 4, 8), -5, date(2026, 3, 30)),     # Good Friday 3 April and Easter Monday 6 April skipped
        (date(2026, 4, 7), -10, date(2026, 3, 20)),    # the Tuesday after Easter Monday: agenda due
        (date(2026, 4, 7), -5, date(2026, 3, 27)),     # ... and evidence due
        (date(2026, 12, 23), 10, date(2027, 1, 11)),   # across Christmas, Boxing Day substitute (28 Dec) and New Year
        (date(2027, 1, 6), -5, date(2026, 12, 29)),    # backwards across the year boundary
        (date(2026, 5, 27), -5, date(2026, 5, 19)),    # spring bank holiday Monday 25 May skipped
        (date(2026, 11, 30), -1, date(2026, 11, 27)),  # a Monday's day before is the Friday
        (date(2026, 11, 28), -1, date(2026, 11, 27)),  # counting from a Saturday
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
    ],
)
def test_shift_working_days(meeting, offset, expected):
    assert shift_working_days(meeting, offset) == expected


def test_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))   # Christmas Day
    assert not is_working_day(date(2026, 12, 28))   # Boxing Day observed on Monday
    assert not is_working_day(date(2026, 8, 31))    # summer bank holiday (England, not Scotland)
    assert not is_working_day(date(2026, 11, 28))   # Saturday
    assert is_working_day(date(2026, 11, 25))


def test_closure_days_count_like_bank_holidays():
    closures = frozenset({date(2026, 11, 27)})
    assert not is_working_day(date(2026, 11, 27), closures)
    assert shift_working_days(date(2026, 11, 30), -1, closures) == date(2026, 11, 26)


def test_working_days_until():
    assert working_days_until(date(2026, 11, 25), date(2026, 12, 2)) == 5
    assert working_days_until(date(2026, 12, 2), date(2026, 11, 25)) == -5
    assert working_days_until(date(2026, 12, 24), date(2027, 1, 4)) == 4  # 29, 30, 31 December and 4 January
