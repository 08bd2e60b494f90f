"""A year of meetings in a rhythm: the slots of an academic year (one per half term, term, month …), a suggested
working day in each, and booking the slots not yet covered.

A slot has a window (the dates its meeting may fall on: its part of the year, with the school holidays next to
it) and a core (the term-time part): a meeting of the same kind already in the core covers the slot.
"""

from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from portal.errors_domain import RuleBroken
from portal.meetings.models import Rhythm
from portal.templating import govuk_date
from portal.working_days import is_working_day


@dataclass(frozen=True)
class Slot:
    key: str  # stable within the year: the form field's name
    label: str  # "Autumn 1", "Spring term", "March 2027"
    starts_on: date  # the core
    ends_on: date
    earliest: date  # the window
    latest: date
    suggested: date
    half_term: object = None  # the half term, for half-termly slots

    def covers(self, meeting) -> bool:
        if self.half_term is not None:
            return meeting.half_term_id == self.half_term.id
        return self.starts_on <= meeting.meets_on <= self.ends_on


def _term_time(day, calendar, closures):
    return is_working_day(day, closures) and not calendar.is_school_holiday(day)


def _nearest_term_day(day, earliest, latest, calendar, closures):
    """The term-time working day nearest ``day`` inside [earliest, latest] (later first on a tie), or None."""
    for step in range(0, (latest - earliest).days + 1):
        for candidate in (day + timedelta(days=step), day - timedelta(days=step)):
            if earliest <= candidate <= latest and _term_time(candidate, calendar, closures):
                return candidate
    return None


def _wednesday_in_week(day, week):
    """The Wednesday of the ``week``-th week (1-based) of the month ``day`` is in."""
    first = day.replace(day=1)
    return first + timedelta(days=(2 - first.weekday()) % 7 + 7 * (week - 1))


def _half_term_window(half_term, year):
    """A half term's meeting may fall in it or in the school holidays either side, never in another half term."""
    by_number = {h.number: h for h in year.half_terms}
    previous, following = by_number.get(half_term.number - 1), by_number.get(half_term.number + 1)
    earliest = previous.ends_on + timedelta(days=1) if previous else date(year.start_year, 8, 1)
    latest = following.starts_on - timedelta(days=1) if following else date(year.start_year + 1, 8, 31)
    return earliest, latest


def suggested_in_half_term(half_term, closures=frozenset()) -> date:
    """A working Wednesday about four weeks into the half term (or the nearest working day before its end)."""
    day = half_term.starts_on + timedelta(days=21)
    day += timedelta(days=(2 - day.weekday()) % 7)
    day = min(day, half_term.ends_on)
    while not is_working_day(day, closures) and day > half_term.starts_on:
        day -= timedelta(days=1)
    return day


def _half_term_slots(year, closures):
    slots = []
    for half_term in year.half_terms:
        earliest, latest = _half_term_window(half_term, year)
        slots.append(Slot(f"half_term_{half_term.number}", half_term.name, half_term.starts_on, half_term.ends_on,
                          earliest, latest, suggested_in_half_term(half_term, closures), half_term))
    return slots


def _term_name(half_term):
    return f"{half_term.name.split()[0]} term"


def _term_slots(year, closures):
    """One per term (two half terms): suggested about four weeks into its second half, when progress is clearer."""
    halves = list(year.half_terms)
    slots = []
    for number, first in enumerate(halves[::2], start=1):
        second = halves[halves.index(first) + 1] if halves.index(first) + 1 < len(halves) else first
        earliest, latest = _half_term_window(first, year)[0], _half_term_window(second, year)[1]
        slots.append(Slot(f"term_{number}", _term_name(first), first.starts_on, second.ends_on, earliest, latest,
                          suggested_in_half_term(second, closures)))
    return slots


def _month_starts(first: date, last: date, step: int):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = date(month.year + (month.month - 1 + step) // 12, (month.month - 1 + step) % 12 + 1, 1)


def _months_slots(year, closures, calendar, step):
    """One per month (``step`` 1) or per two months (2), from the first month of term to the last, skipping any
    with no term-time working day: suggested on the third Wednesday of its first month, or the nearest term day."""
    first, last = year.half_terms[0].starts_on, year.half_terms[-1].ends_on
    slots = []
    for month in _month_starts(first, last, step):
        following = date(month.year + (month.month - 1 + step) // 12, (month.month - 1 + step) % 12 + 1, 1)
        ends_on = following - timedelta(days=1)
        core_start, core_end = max(month, first), min(ends_on, last)
        term_days = [core_start + timedelta(days=n) for n in range((core_end - core_start).days + 1)
                     if _term_time(core_start + timedelta(days=n), calendar, closures)]
        if not term_days:
            continue
        label = f"{core_start:%B %Y}" if core_start.month == core_end.month else \
            (f"{core_start:%B} and {core_end:%B %Y}" if core_start.year == core_end.year
             else f"{core_start:%B %Y} and {core_end:%B %Y}")
        suggested = _nearest_term_day(_wednesday_in_week(month, 3), core_start, core_end, calendar, closures)
        slots.append(Slot(f"month_{month:%Y_%m}", label, core_start, core_end, month, ends_on, suggested))
    return slots


def _year_slot(year, closures):
    """Once a year: in the second half of the autumn term (a new plan has settled in)."""
    halves = list(year.half_terms)
    when = halves[1] if len(halves) > 1 else halves[0]
    return [Slot("year", year.label, halves[0].starts_on, halves[-1].ends_on, date(year.start_year, 8, 1),
                 date(year.start_year + 1, 8, 31), suggested_in_half_term(when, closures))]


def slots_for(year, rhythm: Rhythm, calendar, closures=frozenset()) -> list[Slot]:
    """The year's slots in this rhythm, each with a suggested term-time working day."""
    if not year.half_terms:
        return []
    if rhythm == Rhythm.HALF_TERMLY:
        return _half_term_slots(year, closures)
    if rhythm == Rhythm.TERMLY:
        return _term_slots(year, closures)
    if rhythm == Rhythm.MONTHLY:
        return _months_slots(year, closures, calendar, 1)
    if rhythm == Rhythm.EVERY_TWO_MONTHS:
        return _months_slots(year, closures, calendar, 2)
    return _year_slot(year, closures)


def still_to_come(slots: list[Slot], today: date, calendar, closures=frozenset()) -> list[Slot]:
    """The slots with a term-time working day still to come, a suggestion already past moved to the next one."""
    coming = []
    for slot in slots:
        if slot.suggested < today:
            later = _nearest_term_day(today, today, slot.ends_on, calendar, closures) if slot.ends_on >= today else None
            if later is None:
                continue
            slot = replace(slot, suggested=later)
        coming.append(slot)
    return coming


def check_dates(chosen: list[tuple[Slot, date]], closures):
    """Each date inside its slot's window and on a working day: every problem in one message."""
    problems = []
    for slot, meets_on in chosen:
        if not slot.earliest <= meets_on <= slot.latest:
            problems.append(f"The {slot.label} meeting must be between {govuk_date(slot.earliest)} and "
                            f"{govuk_date(slot.latest)}")
        elif not is_working_day(meets_on, closures):
            problems.append(f"The {slot.label} meeting falls on a weekend, bank holiday or closure day")
    if problems:
        raise RuleBroken("; ".join(problems))


def schedule_year(school, user, *, kind, slots_and_dates: list[tuple[Slot, date]], plan, starts_at: time,
                  ends_at: time, place="", chair="", holidays_confirmed=False):
    """One meeting of ``kind`` in each slot not already covered by one (cancelled ones do not count).

    A date in the school holidays is booked only once the person confirms it (InSchoolHolidays). Returns the
    meetings created, soonest first.
    """
    from portal.meetings import kinds as meeting_kinds
    from portal.meetings import rules
    from portal.terms.rules import closure_days, half_term_on, term_calendar

    kind = meeting_kinds.resolve(kind)
    if kind.reviews_plan and plan is None:
        raise RuleBroken(f"Choose the plan the {kind.name.lower()}s review", "plan_id")
    closures = closure_days()
    check_dates(slots_and_dates, closures)
    held = [m for m in rules.school_meetings(school)
            if m.kind_key == kind.key and not m.is_cancelled and (plan is None or m.plan_id in (None, plan.id))]
    wanted = sorted(((slot, day) for slot, day in slots_and_dates if not any(slot.covers(m) for m in held)),
                    key=lambda pair: pair[1])
    calendar = term_calendar()
    rules.check_term_time([f"The {slot.label} meeting on {warning}" for slot, day in wanted
                           if (warning := rules.holiday_warning(day, calendar))], holidays_confirmed)
    return [
        rules.schedule_meeting(school, user, kind=kind, meets_on=day, starts_at=starts_at, ends_at=ends_at, place=place,
                               chair=chair, plan=plan, half_term=slot.half_term or half_term_on(day), closures=closures,
                               holidays_confirmed=True)
        for slot, day in wanted
    ]
