"""Light-touch monitoring after exit: the terms it runs for, and one visit to the school due in each of them.

Nothing is stored beyond the checklist's number of terms and end date: which visit met which term is worked out
from the visits the school had, so a visit recorded late still counts.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.exit.models import ChecklistStatus, ExitChecklist
from portal.extensions import db

TERM_SEASONS = ("Autumn", "Spring", "Summer")
# A missed light-touch visit stays on home pages until the end of the term after its own: long enough to act on it
# (plan the next visit, tell the LA), not forever. Approved checklists older than this cannot have one listed.
LISTED_FOR_DAYS = 366


@dataclass(frozen=True)
class Term:
    name: str  # "Spring term 2027"
    starts_on: date
    ends_on: date


def _entered_years():
    from portal.terms.rules import academic_years

    return {year.start_year: year for year in academic_years()}


def _terms_of_year(start_year, entered):
    """[(first day, last day)] of the autumn, spring and summer terms of the year starting in September ``start_year``:
    the LA's own dates where all six half terms are entered, else a typical English year's."""
    from portal.terms.defaults import typical_term_dates

    year = entered.get(start_year)
    halves = [(h.starts_on, h.ends_on) for h in year.half_terms] if year is not None and len(year.half_terms) == 6 \
        else typical_term_dates(start_year)
    return [(halves[0][0], halves[1][1]), (halves[2][0], halves[3][1]), (halves[4][0], halves[5][1])]


def terms_after(day: date, count: int, entered=None) -> list[Term]:
    """The ``count`` full terms after ``day``: the term ``day`` falls in does not count (in a holiday, the next term is
    the first). Each year's dates are the LA's where entered, else a typical year's. ``entered``: {start year: year}."""
    entered = _entered_years() if entered is None else entered
    first_year = day.year - 1 if day.month < 8 else day.year
    coming = []
    for start_year in range(first_year, first_year + count // 3 + 3):
        for season, (first, last) in zip(TERM_SEASONS, _terms_of_year(start_year, entered)):
            if first > day:
                coming.append(Term(f"{season} term {start_year if season == 'Autumn' else start_year + 1}", first, last))
    return coming[:count]


def light_touch_ends_on(approved_on: date, terms: int) -> date:
    """The last day of the ``terms``-th full term after ``approved_on`` (the term it is approved in does not count)."""
    return terms_after(approved_on, terms)[terms - 1].ends_on


def in_light_touch(checklist, today=None) -> bool:
    return checklist.light_touch_ends_on is not None and checklist.light_touch_ends_on >= (today or clock.today())


@dataclass(frozen=True)
class LightTouchVisit:
    """One term of light-touch monitoring: one visit to the school (of any kind) is due by the term's last day."""

    term: Term
    visited_on: date | None = None  # the first visit in the term, which met it
    visit_id: int | None = None
    visit_kind: str = ""
    overdue: bool = False
    listed_until: date | None = None  # the end of the term after: a missed visit leaves home pages then

    @property
    def due_on(self):
        return self.term.ends_on

    @property
    def is_done(self):
        return self.visited_on is not None

    @property
    def status(self):
        return "done" if self.is_done else "overdue" if self.overdue else "not_yet"


def _light_touch_terms(checklist, entered):
    """The checklist's light-touch terms and the term after them (how long a missed visit stays listed)."""
    if checklist.status != ChecklistStatus.APPROVED or not checklist.light_touch_terms or checklist.closed_on is None:
        return []
    return terms_after(checklist.closed_on, checklist.light_touch_terms + 1, entered)


def _visits_in(school_ids, first_day, last_day):
    """{school id: [(visited on, visit id, kind)] by date}: every visit to these schools between the days, one query."""
    from portal.visits.models import Visit

    found = {}
    rows = db.session.execute(select(Visit.school_id, Visit.visited_on, Visit.id, Visit.kind)
                              .where(Visit.school_id.in_(list(school_ids)), Visit.visited_on >= first_day,
                                     Visit.visited_on <= last_day).order_by(Visit.visited_on, Visit.id))
    for school_id, visited_on, visit_id, kind in rows:
        found.setdefault(school_id, []).append((visited_on, visit_id, kind))
    return found


def _schedule(terms, visits, today):
    """A LightTouchVisit for each term but the last of ``terms`` (which only says how long a missed one is listed)."""
    schedule = []
    for term, following in zip(terms, terms[1:]):
        met = next((v for v in visits if term.starts_on <= v[0] <= min(term.ends_on, today)), None)
        if met is not None:
            schedule.append(LightTouchVisit(term, visited_on=met[0], visit_id=met[1], visit_kind=met[2].label,
                                            listed_until=following.ends_on))
        else:
            schedule.append(LightTouchVisit(term, overdue=term.ends_on < today, listed_until=following.ends_on))
    return schedule


def light_touch_visits(checklist, today=None) -> list[LightTouchVisit]:
    """Each term of an approved checklist's light-touch monitoring: due by the term's last day, met by the first
    visit to the school in the term (any kind: what matters is that someone went). None before approval."""
    today = today or clock.today()
    terms = _light_touch_terms(checklist, _entered_years())
    if not terms:
        return []
    visits = _visits_in([checklist.school_id], terms[0].starts_on, min(terms[-2].ends_on, today))
    return _schedule(terms, visits.get(checklist.school_id, []), today)


@dataclass(frozen=True)
class LightTouchDue:
    checklist: ExitChecklist
    visit: LightTouchVisit


def light_touch_due(school_ids, today, within_days=20) -> list[LightTouchDue]:
    """Light-touch visits not made and due within ``within_days`` working days, or overdue (until the end of the term
    after), at these schools (ids, or a select of them), soonest first. The same few queries for 6 schools or 600:
    the approved checklists with their schools, then (only when there are some) the term dates, closure days and
    every visit to those schools in one query."""
    from portal.terms.rules import closure_days
    from portal.working_days import shift_working_days

    checklists = db.session.scalars(
        select(ExitChecklist).where(ExitChecklist.school_id.in_(school_ids), ExitChecklist.status == ChecklistStatus.APPROVED,
                                    ExitChecklist.light_touch_ends_on >= today - timedelta(days=LISTED_FOR_DAYS))
        .options(selectinload(ExitChecklist.school))).all()
    if not checklists:
        return []
    entered = _entered_years()
    terms = {checklist.id: _light_touch_terms(checklist, entered) for checklist in checklists}
    starts = [found[0].starts_on for found in terms.values() if found]
    if not starts:
        return []
    visits = _visits_in({checklist.school_id for checklist in checklists}, min(starts), today)
    horizon = shift_working_days(today, within_days, closure_days())
    due = [LightTouchDue(checklist, visit) for checklist in checklists
           for visit in _schedule(terms[checklist.id], visits.get(checklist.school_id, []), today)
           if not visit.is_done and (today <= visit.listed_until if visit.overdue else visit.due_on <= horizon)]
    return sorted(due, key=lambda item: (item.visit.due_on, item.checklist.school.name, item.checklist.id))
