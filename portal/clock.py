"""The portal's one clock: "now" for timestamps and "today in London" for every rule about dates.

Everything that needs the time asks here, so a test pins the whole portal with one
``time_machine.travel`` and the scheduler, the pages and the CLI all agree on the day.
Timestamps are stored in UTC; people read London time.
"""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """This moment, in UTC (for timestamps stored in the database)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in London: the day deadlines, reminders and half terms are counted from."""
    return now().astimezone(LONDON).date()


def as_london(moment: datetime | None) -> datetime | None:
    """Show a stored UTC time in UK time (SQLite hands back naive values, which are UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON)
