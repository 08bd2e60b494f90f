"""A typical English school year's six half terms, for demo data on whatever day the portal is started.

The LA admin enters its own term dates; these follow the usual pattern: autumn from the first weekday of
September (2nd at the earliest) to the Friday before the week of the last Monday in October, then to the last
Friday before 21 December; spring from the first weekday after 4 January to the Friday before the third Monday
of February, then to the Thursday before Good Friday; summer from two weeks after Easter Monday to the Friday
before the spring bank holiday (the last Monday in May), then to the weekday on or before 21 July.
"""

from datetime import date, timedelta

from dateutil.easter import easter


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _last_monday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


def _friday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7 or 7)


def typical_term_dates(start_year: int) -> list[tuple[date, date]]:
    """(first day, last day) of each half term of the year starting in September ``start_year``."""
    autumn_half_term = _last_monday(start_year, 10)
    autumn = (_weekday_on_or_after(date(start_year, 9, 2)), _friday_before(autumn_half_term))
    autumn_two = (autumn_half_term + timedelta(days=7), _friday_before(date(start_year, 12, 21)))
    spring_start = _weekday_on_or_after(date(start_year + 1, 1, 5))
    february = date(start_year + 1, 2, 1)
    spring_half_term = february + timedelta(days=(7 - february.weekday()) % 7 + 14)  # the third Monday
    good_friday = easter(start_year + 1) - timedelta(days=2)
    summer_start = good_friday + timedelta(days=3 + 14)
    spring_bank_holiday = _last_monday(start_year + 1, 5)
    return [
        autumn, autumn_two,
        (spring_start, _friday_before(spring_half_term)),
        (spring_half_term + timedelta(days=7), good_friday - timedelta(days=1)),
        (summer_start, _friday_before(spring_bank_holiday)),
        (spring_bank_holiday + timedelta(days=7), _weekday_on_or_before(date(start_year + 1, 7, 21))),
    ]
