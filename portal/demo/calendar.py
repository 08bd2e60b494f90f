"""When the demo story happens: the school year around the day the portal is started, whatever day that is.

The story's year is the academic year whose first review meeting has been held; before that (the first weeks of
September) it is the year just ended. Every step is recorded on the day it happened (``clock.as_of``), but never
later than the real moment the demo is loaded.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from portal import clock
from portal.clock import LONDON
from portal.terms.defaults import typical_term_dates
from portal.working_days import shift_working_days


def _first_review(start_year: int) -> date:
    from portal.meetings.year import suggested_in_half_term

    starts_on, ends_on = typical_term_dates(start_year)[0]
    return suggested_in_half_term(SimpleNamespace(starts_on=starts_on, ends_on=ends_on))


def story_start_year(today: date) -> int:
    """The September the story's school year began: the current one once its first review has been held."""
    start = today.year if today.month >= 9 else today.year - 1
    return start if today > _first_review(start) else start - 1


@dataclass(frozen=True)
class DemoCalendar:
    today: date
    loaded_at: datetime

    @classmethod
    def now(cls):
        return cls(today=clock.today(), loaded_at=clock.now())

    @property
    def start_year(self) -> int:
        return story_start_year(self.today)

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        """``day`` at that London time, or a few minutes ago if that is still to come."""
        wanted = datetime.combine(day, time(hour, minute), tzinfo=LONDON)
        return min(wanted, self.loaded_at - timedelta(minutes=5))

    def as_of(self, day: date, hour: int = 10, minute: int = 0):
        return clock.as_of(self.at(day, hour, minute))

    def working_days(self, day: date, count: int) -> date:
        return shift_working_days(day, count)

    def past(self, day: date) -> date:
        """``day``, or today if it is still to come."""
        return min(day, self.today)
