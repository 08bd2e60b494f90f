"""Calendar invitations for review meetings: read back with icalendar as a calendar app would."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from portal.meetings.invitations import meeting_invitation

LONDON = ZoneInfo("Europe/London")
UID = "review-meeting-42@school-improvement.example"


def invitation(**changes) -> bytes:
    details = dict(
        uid=UID, sequence=0, summary="Termly review meeting: Hillside Primary School",
        description="Autumn 2 review meeting for Hillside Primary School.",
        starts_at=datetime(2026, 12, 2, 16, 0, tzinfo=LONDON), ends_at=datetime(2026, 12, 2, 17, 30, tzinfo=LONDON),
        location="Hillside Primary School, staff room", url="https://portal.example/schools/7/meetings/42",
        organiser=("Sam Adviser", "sam.adviser@la.example"),
        attendees=[("Jo Head", "head@hillside.example"), ("Chris Chair", "chair@hillside.example")],
        stamp=datetime(2026, 11, 20, 9, 15, tzinfo=timezone.utc),
    )
    details.update(changes)
    return meeting_invitation(**details)


def read(body: bytes):
    calendar = Calendar.from_ical(body)
    [event] = calendar.events
    return calendar, event


def test_calendar_header():
    calendar, _ = read(invitation())
    assert str(calendar["PRODID"]) == "-//School improvement portal//Review meetings//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_event_details():
    _, event = read(invitation())
    assert str(event["UID"]) == UID
    assert event.sequence == 0
    assert str(event["SUMMARY"]) == "Termly review meeting: Hillside Primary School"
    assert str(event["LOCATION"]) == "Hillside Primary School, staff room"
    assert str(event["URL"]) == "https://portal.example/schools/7/meetings/42"
    assert "https://portal.example/schools/7/meetings/42" in str(event["DESCRIPTION"])
    assert "Autumn 2 review meeting for Hillside Primary School." in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.DTSTAMP == datetime(2026, 11, 20, 9, 15, tzinfo=timezone.utc)
    assert b"DTSTAMP:20261120T091500Z" in invitation()
    assert b"\r\nSEQUENCE:0\r\n" in invitation()  # written, not just defaulted on reading


def test_winter_meeting_is_written_in_london_time():
    """2 December 2026 is in GMT: 4pm in London is 4pm UTC."""
    body = invitation()
    _, event = read(body)
    assert b"DTSTART;TZID=Europe/London:20261202T160000" in body
    assert str(event.start.tzinfo) == "Europe/London"
    assert (event.start.hour, event.start.minute) == (16, 0)
    assert event.start.astimezone(timezone.utc) == datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc)
    assert event.end.astimezone(timezone.utc) == datetime(2026, 12, 2, 17, 30, tzinfo=timezone.utc)


def test_spring_meeting_after_the_clocks_go_forward():
    """British Summer Time starts on 28 March 2027, so 4pm in London on 30 March 2027 is 3pm UTC."""
    body = invitation(starts_at=datetime(2027, 3, 30, 16, 0, tzinfo=LONDON),
                      ends_at=datetime(2027, 3, 30, 17, 0, tzinfo=LONDON))
    _, event = read(body)
    assert b"DTSTART;TZID=Europe/London:20270330T160000" in body
    assert str(event.start.tzinfo) == "Europe/London"
    assert (event.start.hour, event.start.minute) == (16, 0)
    assert event.start.astimezone(timezone.utc) == datetime(2027, 3, 30, 15, 0, tzinfo=timezone.utc)


def test_times_given_in_utc_are_written_in_london_time():
    body = invitation(starts_at=datetime(2027, 3, 30, 15, 0, tzinfo=timezone.utc),
                      ends_at=datetime(2027, 3, 30, 16, 0, tzinfo=timezone.utc))
    assert b"DTSTART;TZID=Europe/London:20270330T160000" in body


def test_timezone_is_included_and_covers_the_clock_change():
    calendar, _ = read(invitation(starts_at=datetime(2027, 3, 30, 16, 0, tzinfo=LONDON),
                                  ends_at=datetime(2027, 3, 30, 17, 0, tzinfo=LONDON)))
    [vtimezone] = calendar.timezones
    assert str(vtimezone["TZID"]) == "Europe/London"
    assert calendar.get_missing_tzids() == set()
    # A calendar app using only the VTIMEZONE (not its own tz database) still gets 3pm UTC.
    tz = vtimezone.to_tz()
    assert tz.utcoffset(datetime(2027, 3, 30, 16, 0)) == timedelta(hours=1)
    assert tz.utcoffset(datetime(2026, 12, 2, 16, 0)) == timedelta(0)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        invitation(starts_at=datetime(2026, 12, 2, 16, 0))


def test_a_meeting_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        invitation(ends_at=datetime(2026, 12, 2, 15, 0, tzinfo=LONDON))


def test_attendees_and_organiser():
    _, event = read(invitation())
    attendees = event.attendees
    assert len(attendees) == 2
    assert [str(a) for a in attendees] == ["mailto:head@hillside.example", "mailto:chair@hillside.example"]
    assert [a.params["CN"] for a in attendees] == ["Jo Head", "Chris Chair"]
    assert {a.params["ROLE"] for a in attendees} == {"REQ-PARTICIPANT"}
    organiser = event["ORGANIZER"]
    assert str(organiser) == "mailto:sam.adviser@la.example"
    assert organiser.params["CN"] == "Sam Adviser"


def test_names_with_commas_and_apostrophes_survive():
    _, event = read(invitation(attendees=[("O’Brien, Mary (chair)", "chair@hillside.example")]))
    [attendee] = event.attendees
    assert attendee.params["CN"] == "O’Brien, Mary (chair)"


def test_no_organiser_and_no_attendees():
    _, event = read(invitation(organiser=None, attendees=[]))
    assert "ORGANIZER" not in event
    assert event.attendees == []


def test_cancelled_meeting():
    calendar, event = read(invitation(sequence=2, cancelled=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == UID
    assert event.sequence == 2
    assert "cancelled" in str(event["DESCRIPTION"])


def test_rescheduled_meeting_keeps_its_uid_with_a_higher_sequence():
    """Calendar apps replace the old entry only when the UID matches and SEQUENCE has gone up."""
    _, before = read(invitation(sequence=0))
    _, after = read(invitation(sequence=1, starts_at=datetime(2027, 1, 13, 15, 30, tzinfo=LONDON),
                               ends_at=datetime(2027, 1, 13, 17, 0, tzinfo=LONDON)))
    assert str(after["UID"]) == str(before["UID"]) == UID
    assert after.sequence > before.sequence
    assert after.start == datetime(2027, 1, 13, 15, 30, tzinfo=LONDON)


def test_punctuation_and_unicode_in_text_round_trip():
    summary = "St Anne’s; review, spring"
    description = "Bring: the RAP; evidence, and Y6 data — “draft” is fine.\nSecond line."
    body = invitation(summary=summary, description=description, location="Room 3; Main building, first floor")
    assert b"St Anne\xe2\x80\x99s\\; review\\, spring" in body
    _, event = read(body)
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]).startswith(description)
    assert str(event["LOCATION"]) == "Room 3; Main building, first floor"


def test_long_lines_are_folded():
    body = invitation(description="A long agenda item. " * 20)
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    _, event = read(body)
    assert str(event["DESCRIPTION"]).startswith("A long agenda item. " * 19)
