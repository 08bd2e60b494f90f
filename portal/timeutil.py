"""UTC timestamps for the database; Europe/London for people."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_london(moment: datetime | None) -> datetime | None:
    """Show a stored UTC time in UK time (SQLite hands back naive values, which are UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON)
