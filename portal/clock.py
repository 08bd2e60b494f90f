"""The portal's one clock: "now" for timestamps and "today in London" for every rule about dates.

Everything that needs the time asks here, so a test pins the whole portal with one
``time_machine.travel``, the scheduler, the pages and the CLI all agree on the day, and the
demo data can record each step of its story on the day it happened (``as_of``).
Timestamps are stored in UTC; people read London time.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_as_of: ContextVar[datetime | None] = ContextVar("portal_clock_as_of", default=None)


def now() -> datetime:
    """This moment, in UTC (for timestamps stored in the database)."""
    moment = _as_of.get()
    return moment if moment is not None else datetime.now(timezone.utc)


def today() -> date:
    """Today's date in London: the day deadlines, reminders and half terms are counted from."""
    return now().astimezone(LONDON).date()


@contextmanager
def as_of(moment: datetime):
    """Record what happens inside as happening at ``moment`` (an aware datetime): for building a history."""
    token = _as_of.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _as_of.reset(token)


def as_london(moment: datetime | None) -> datetime | None:
    """Show a stored UTC time in UK time (SQLite hands back naive values, which are UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON)
