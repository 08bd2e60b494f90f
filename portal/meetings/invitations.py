"""Calendar invitations (.ics) for review meetings.

Every version of one meeting's invitation keeps the same UID; the caller raises SEQUENCE when the
meeting moves, so calendar apps replace the old entry instead of adding a second one. Times are
written in Europe/London with the VTIMEZONE included, so a meeting stays at 4pm on either side of
the clock change whatever app opens it.
"""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

LONDON = ZoneInfo("Europe/London")
PRODID = "-//School improvement portal//Review meetings//EN"


def meeting_invitation(*, uid: str, sequence: int, summary: str, description: str, starts_at: datetime,
                       ends_at: datetime, location: str, url: str, organiser: tuple[str, str] | None,
                       attendees: list[tuple[str, str]], cancelled: bool = False, stamp: datetime) -> bytes:
    """The meeting as an iCalendar file: METHOD:PUBLISH, or METHOD:CANCEL once it is cancelled."""
    starts_at, ends_at = _in_london(starts_at, "starts_at"), _in_london(ends_at, "ends_at")
    if ends_at < starts_at:
        raise ValueError("A meeting cannot end before it starts")

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    # A naive stamp is taken as UTC, as the database hands them back (see portal.clock).
    event.add("dtstamp", (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).astimezone(timezone.utc))
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", _description(description, url, cancelled))
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    if organiser is not None:
        event.add("organizer", _address(*organiser))
    for name, email in attendees:
        if email:
            event.add("attendee", _address(name, email, ROLE="REQ-PARTICIPANT"))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    # Only the clock changes around the meeting: a VTIMEZONE for all of 1970 to 2038 would be long.
    calendar.add_missing_timezones(date(starts_at.year - 1, 1, 1), date(ends_at.year + 2, 1, 1))
    return calendar.to_ical()


def invitation_for(meeting, url: str, stamp: datetime) -> bytes:
    """A review meeting's invitation as it stands now: its UID, its current SEQUENCE, cancelled or not.

    The page's download, the "booked" and "moved" emails and the "coming up" reminder all send this."""
    school = meeting.school
    return meeting_invitation(
        uid=meeting.uid, sequence=meeting.sequence, summary=f"{meeting.kind.label}: {school.name}",
        description=f"{meeting.title} for {school.name}.", location=meeting.place,
        starts_at=datetime.combine(meeting.meets_on, meeting.starts_at, tzinfo=LONDON),
        ends_at=datetime.combine(meeting.meets_on, meeting.ends_at, tzinfo=LONDON), url=url, organiser=None,
        attendees=[(m.name, m.email) for m in meeting.members if m.email], cancelled=meeting.is_cancelled, stamp=stamp)


def _in_london(moment: datetime, name: str) -> datetime:
    """Any aware time as London wall-clock time, so DTSTART always carries TZID=Europe/London."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (Europe/London)")
    return moment.astimezone(LONDON)


def _description(description: str, url: str, cancelled: bool) -> str:
    """The link goes in the text too: some calendar apps never show the URL property."""
    parts = ["This meeting has been cancelled."] if cancelled else []
    parts.append(description.strip())
    if url and url not in description:
        parts.append(f"Meeting details: {url}")
    return "\n\n".join(part for part in parts if part)


def _address(name: str, email: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name or email
    address.params.update(params)
    return address
