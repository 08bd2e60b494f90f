"""Term dates: checking the six half terms the LA admin enters, and finding today's."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.settings_cache import kept_between_requests
from portal.terms.models import HALF_TERM_NAMES, AcademicYear, ClosureDay, DeadlineSettings, HalfTerm


def check_term_dates(start_year: int, dates: list[tuple[date, date]], year: AcademicYear | None = None):
    """Problems with six (first day, last day) pairs, as [(field name, message)]; empty when they are fine."""
    problems = []
    clash = db.session.scalar(select(AcademicYear).where(AcademicYear.start_year == start_year))
    if clash is not None and clash is not year:
        problems.append(("start_year", f"Term dates for {start_year} to {start_year + 1} already exist: change those instead"))
    first_day = dates[0][0]
    if not (date(start_year, 8, 1) <= first_day <= date(start_year, 9, 30)):
        problems.append(("starts_1", f"Autumn 1 must start in August or September {start_year}"))
    if dates[-1][1] > date(start_year + 1, 8, 31):
        problems.append(("ends_6", f"Summer 2 must end by 31 August {start_year + 1}"))
    for number, (starts, ends) in enumerate(dates, start=1):
        name = HALF_TERM_NAMES[number - 1]
        if ends < starts:
            problems.append((f"ends_{number}", f"The last day of {name} must be the same as or after its first day"))
        if number > 1 and starts <= dates[number - 2][1]:
            previous = HALF_TERM_NAMES[number - 2]
            problems.append((f"starts_{number}", f"{name} must start after {previous} ends"))
    return problems


def save_term_dates(year: AcademicYear | None, start_year: int, dates: list[tuple[date, date]]) -> AcademicYear:
    problems = check_term_dates(start_year, dates, year)
    if problems:
        field, message = problems[0]
        raise RuleBroken(message, field)
    if year is None:
        year = AcademicYear(start_year=start_year)
        db.session.add(year)
    year.start_year = start_year
    by_number = {half_term.number: half_term for half_term in year.half_terms}
    for number, (starts, ends) in enumerate(dates, start=1):
        half_term = by_number.get(number)
        if half_term is None:
            year.half_terms.append(HalfTerm(number=number, starts_on=starts, ends_on=ends))
        else:
            half_term.starts_on, half_term.ends_on = starts, ends
    return year


@kept_between_requests(AcademicYear, HalfTerm)
def academic_years(session):
    """Every academic year with its half terms, the latest first."""
    return session.scalars(
        select(AcademicYear).options(selectinload(AcademicYear.half_terms)).order_by(AcademicYear.start_year.desc())
    ).all()


def half_term_on(day: date) -> HalfTerm | None:
    """The half term ``day`` falls in, or None in a holiday."""
    return next((half_term for year in academic_years() for half_term in year.half_terms
                 if half_term.starts_on <= day <= half_term.ends_on), None)


@dataclass(frozen=True)
class SchoolHoliday:
    """A day outside the LA's half terms, with the half terms either side (None beyond the dates entered)."""

    after: HalfTerm | None
    before: HalfTerm | None

    @property
    def described(self) -> str:
        """"between Autumn 2 and Spring 1", "after Summer 2", "before Autumn 1"."""
        if self.after and self.before:
            return f"between {self.after.name} and {self.before.name}"
        return f"after {self.after.name}" if self.after else f"before {self.before.name}"


class TermCalendar:
    """The LA's term dates loaded once, to tell term time from the school holidays for many days.

    A year's term dates speak for 1 August to the next 31 August (its summer holidays either side); for a day no
    entered year speaks for, nothing is known, so it counts as term time: we never warn without the LA's dates.
    """

    def __init__(self, years):
        self.years = [year for year in years if year.half_terms]

    def holiday_on(self, day: date) -> SchoolHoliday | None:
        """The school holiday ``day`` falls in, or None in term time (or when no term dates cover it)."""
        spanning = [y for y in self.years if date(y.start_year, 8, 1) <= day <= date(y.start_year + 1, 8, 31)]
        half_terms = sorted((h for y in spanning for h in y.half_terms), key=lambda h: h.starts_on)
        if not half_terms or any(h.starts_on <= day <= h.ends_on for h in half_terms):
            return None
        ended = [h for h in half_terms if h.ends_on < day]
        coming = [h for h in half_terms if h.starts_on > day]
        return SchoolHoliday(after=ended[-1] if ended else None, before=coming[0] if coming else None)

    def is_school_holiday(self, day: date) -> bool:
        return self.holiday_on(day) is not None


def term_calendar() -> TermCalendar:
    return TermCalendar(academic_years())


def academic_year_on(day: date | None = None):
    """The academic year whose half terms span ``day`` (holidays included), or None."""
    from portal import clock

    day = day or clock.today()
    for year in academic_years():
        if year.starts_on and year.starts_on <= day <= date(year.start_year + 1, 8, 31):
            return year
    return None


def suggested_title(day: date | None = None) -> str:
    """A name for a new termly piece of work: "Autumn 2026", "Spring 2027"."""
    from portal import clock

    day = day or clock.today()
    season = "Autumn" if day.month >= 9 else "Spring" if day.month <= 3 else "Summer"
    return f"{season} {day.year}"


def closure_days() -> frozenset:
    return frozenset(closure.day for closure in all_closure_days())


@kept_between_requests(DeadlineSettings)
def deadline_settings(session):
    """The LA's offsets; the defaults (not yet saved) until the LA admin changes them. Never writes."""
    settings = session.scalar(select(DeadlineSettings).order_by(DeadlineSettings.id).limit(1))
    return settings or DeadlineSettings(agenda_days=10, evidence_days=5, minutes_days=10, notes_days=5, notes_response_days=5)


def save_deadline_settings(*, agenda_days, evidence_days, minutes_days, notes_days=None, notes_response_days=None):
    from portal.terms.models import DeadlineSettings

    settings = db.session.scalar(select(DeadlineSettings).order_by(DeadlineSettings.id).limit(1))
    if settings is None:
        settings = DeadlineSettings()
        db.session.add(settings)
    settings.agenda_days, settings.evidence_days, settings.minutes_days = agenda_days, evidence_days, minutes_days
    if notes_days is not None:
        settings.notes_days = notes_days
    if notes_response_days is not None:
        settings.notes_response_days = notes_response_days
    return settings


def add_closure_day(day, reason):
    from portal.terms.models import ClosureDay

    if db.session.scalar(select(ClosureDay).where(ClosureDay.day == day)):
        raise RuleBroken(f"{day.day} {day:%B %Y} is already a closure day", "day")
    if day.weekday() >= 5:
        raise RuleBroken(f"{day.day} {day:%B %Y} is a weekend: it is not a working day anyway", "day")
    closure = ClosureDay(day=day, reason=reason.strip())
    db.session.add(closure)
    return closure


@kept_between_requests(ClosureDay)
def all_closure_days(session):
    """The closure days with their reasons, in date order."""
    return session.scalars(select(ClosureDay).order_by(ClosureDay.day)).all()
