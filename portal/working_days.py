"""Working-day arithmetic: Monday to Friday, less England and Wales bank holidays and LA closure days.

Reading's RAP process counts every deadline in working days: the agenda 10
before a review, the school's evidence 5 before, minutes 10 after.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset:
    """England and Wales bank holidays, substitute days included (Boxing Day 2026 is observed on 28 December)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date, closures=frozenset()) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year) and day not in closures


@lru_cache(maxsize=65536)
def shift_working_days(day: date, count: int, closures=frozenset()) -> date:
    """The date ``count`` working days after ``day`` (before it when negative); ``day`` itself never counts.

    Remembered: a reminder scan asks the same few hundred dates of tens of thousands of meetings. ``closures``
    must be a frozenset (as ``portal.terms.rules.closure_days`` gives)."""
    step = timedelta(days=1 if count > 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, closures):
            remaining -= 1
    return day


def working_days_until(start: date, end: date, closures=frozenset()) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_until(end, start, closures)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n), closures))
