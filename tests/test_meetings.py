"""Review meetings: scheduling, deadlines in working days, reschedules, agendas, RAG reviews, invitations."""

from datetime import date, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.auth.models import User
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.meetings import rules
from portal.meetings.models import Rag, ReviewMeeting
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.terms.rules import save_deadline_settings, save_term_dates
from portal.working_days import shift_working_days
from portal import clock
from tests.conftest import text_of

YEAR = (2026, [(date(2026, 9, 2), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
               (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 3, 26)),
               (date(2027, 4, 12), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 21))])


@pytest.fixture
def school(app, world):
    """Brookside with a head, a chair, an adviser, the 2026 to 2027 year and a plan with one criterion."""
    school_id = world.school("Brookside Primary School")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)]),
        "chair": world.user("chair@example.org", "Margaret Dunn", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)]),
    }
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        school = db.session.get(School, school_id)
        plan = plan_rules.create_plan(school, None, kind=PlanKind.RAP, title="Raising Achievement Plan 2026 to 2027",
                                      academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Improve reading", description="")
        plan_rules.save_action(priority, None, description="Daily phonics catch-up", owner="Reading lead",
                               starts_on=None, due_on=None, cost="")
        plan_rules.save_criterion(priority, None, description="85% reach the expected standard in reading",
                                  milestones={year.half_terms[0]: "70%", year.half_terms[1]: "75%"})
        db.session.commit()
        return {"id": school_id, "plan": plan.id, "people": people}


def _meeting(app, school, meets_on, **extra):
    with app.app_context():
        school_row = db.session.get(School, school["id"])
        plan = plan_rules.load_plan(school_row, school["plan"])
        meeting = rules.schedule_meeting(school_row, None, kind="rap_review", meets_on=meets_on,
                                         starts_at=time(16), ends_at=time(17, 30), place="School library", plan=plan, **extra)
        db.session.commit()
        return meeting.id


def test_deadlines_follow_the_settings_and_closure_days(ctx, school):
    meeting = ReviewMeeting(meets_on=date(2026, 4, 8), starts_at=time(16), ends_at=time(17))
    deadlines = rules.deadlines_for(meeting)
    assert deadlines.evidence_due == date(2026, 3, 30)
    assert deadlines.agenda_due == date(2026, 3, 23)
    assert deadlines.minutes_due == date(2026, 4, 22)
    save_deadline_settings(agenda_days=15, evidence_days=3, minutes_days=5)
    db.session.flush()
    later = rules.deadlines_for(meeting, closures=frozenset({date(2026, 4, 1)}))
    assert later.evidence_due == date(2026, 3, 31) and later.minutes_due == date(2026, 4, 15)


def test_members_default_to_head_chair_and_adviser(ctx, school):
    school_row = db.session.get(School, school["id"])
    meeting = rules.schedule_meeting(school_row, None, kind="rap_review", meets_on=date(2026, 12, 2),
                                     starts_at=time(16), ends_at=time(17))
    assert [(m.name, m.role) for m in meeting.members] == [
        ("Sarah Lewis", "Headteacher"), ("Margaret Dunn", "Chair of governors"), ("Priya Shah", "Adviser")]


def test_meetings_only_on_working_days_and_ending_after_they_start(ctx, school):
    school_row = db.session.get(School, school["id"])
    with pytest.raises(RuleBroken, match="weekend, bank holiday or closure day"):
        rules.schedule_meeting(school_row, None, kind="rap_review", meets_on=date(2026, 12, 28),
                               starts_at=time(16), ends_at=time(17))
    with pytest.raises(RuleBroken, match="must end after it starts"):
        rules.schedule_meeting(school_row, None, kind="rap_review", meets_on=date(2026, 12, 2),
                               starts_at=time(16), ends_at=time(15))


def test_headteacher_sees_evidence_due_and_adviser_sees_agenda_and_minutes(app, client, sign_in, school):
    today = clock.today()
    upcoming = shift_working_days(today, 8)
    past = shift_working_days(today, -3)
    _meeting(app, school, upcoming)
    _meeting(app, school, past)
    sign_in("head@example.org")
    page = text_of(client.get("/"))
    evidence_due = shift_working_days(upcoming, -5)
    assert "What is due from you" in page and "Submit evidence" in page
    assert f"{evidence_due.day} {evidence_due:%B %Y}" in page
    assert "Send the agenda" not in page
    sign_in("adviser@example.org")
    page = text_of(client.get("/"))
    assert "Send the agenda" in page and "Overdue" in page  # 8 working days ahead: the 10-day agenda deadline has passed
    assert "Circulate the minutes" in page
    sign_in("chair@example.org")
    assert "What is due from you" not in text_of(client.get("/"))


def test_reschedule_moves_deadlines_keeps_the_change_and_updates_the_invitation(app, client, sign_in, school):
    meeting_id = _meeting(app, school, date(2027, 2, 3))
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings/{meeting_id}"
    first = Calendar.from_ical(client.get(f"{base}/invitation.ics").data)
    response = client.post(f"{base}/reschedule", data={"meets_on": ["10", "2", "2027"], "starts_at": "15:30",
                                                      "ends_at": "17:00", "reason": "Head on a course"})
    assert response.status_code == 302
    page = text_of(client.get(base))
    assert "moved from 3 February 2027 16:00 to 10 February 2027 15:30 (Head on a course)" in page
    assert "27 January 2027" in page  # agenda now due 10 working days before 10 February
    second = Calendar.from_ical(client.get(f"{base}/invitation.ics").data)
    event_before, event_after = (next(c for c in cal.walk("VEVENT")) for cal in (first, second))
    assert event_before["UID"] == event_after["UID"]
    assert int(event_after["SEQUENCE"]) == int(event_before["SEQUENCE"]) + 1
    assert event_after.decoded("DTSTART").date() == date(2027, 2, 10)


def test_cancel_needs_a_reason_and_keeps_the_meeting(app, client, sign_in, school):
    meeting_id = _meeting(app, school, date(2027, 2, 3))
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings/{meeting_id}"
    assert "Say why the meeting is cancelled" in text_of(client.post(f"{base}/cancel", data={"reason": ""}))
    client.post(f"{base}/cancel", data={"reason": "School closed for snow"})
    assert "Cancelled" in text_of(client.get(f"/schools/{school['id']}/meetings"))
    invitation = Calendar.from_ical(client.get(f"{base}/invitation.ics").data)
    assert str(next(c for c in invitation.walk("VEVENT"))["STATUS"]) == "CANCELLED"


def test_agenda_written_sent_and_flagged_late(app, client, sign_in, school):
    meeting_id = _meeting(app, school, shift_working_days(clock.today(), 3))
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings/{meeting_id}"
    assert "Write the agenda or upload it before you mark it as sent" in text_of(
        client.post(f"{base}/agenda", data={"agenda": "", "send": "x"}))
    client.post(f"{base}/agenda", data={"agenda": "1. Progress on reading\n2. Next steps", "send": "x"})
    page = text_of(client.get(base))
    assert "1. Progress on reading" in page and "Sent late" in page


def test_agenda_uploaded_as_a_document_replaced_removed_and_downloaded(app, client, sign_in, school):
    import io

    from tests.test_evidence import PDF, docx_bytes

    meeting_id = _meeting(app, school, shift_working_days(clock.today(), 15))
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings/{meeting_id}"
    refused = client.post(f"{base}/agenda", data={"agenda": "Typed notes", "document": (io.BytesIO(b"MZ\x90\x00"), "agenda.exe")},
                          content_type="multipart/form-data")
    page = text_of(refused)
    assert "There is a problem" in page and "agenda.exe" in page and "Typed notes" in page
    sent = client.post(f"{base}/agenda", data={"agenda": "", "send": "x", "document": (io.BytesIO(PDF), "Agenda autumn 2.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    page = text_of(client.get(base))
    assert "Agenda autumn 2.pdf" in page and "Sent late" not in page
    sign_in("chair@example.org")
    download = client.get(f"{base}/agenda/document")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;") and download.headers["X-Content-Type-Options"] == "nosniff"
    sign_in("adviser@example.org")
    client.post(f"{base}/agenda", data={"agenda": "1. Reading", "document": (io.BytesIO(docx_bytes()), "Agenda v2.docx")},
                content_type="multipart/form-data")
    assert "Agenda v2.docx" in text_of(client.get(base))
    client.post(f"{base}/agenda", data={"agenda": "1. Reading", "remove_document": "y"})
    assert client.get(f"{base}/agenda/document").status_code == 404
    assert "1. Reading" in text_of(client.get(base))


def test_progress_is_recorded_from_the_meeting_day_and_shown_on_the_plan(app, client, sign_in, school):
    future_id = _meeting(app, school, shift_working_days(clock.today(), 3))
    past_id = _meeting(app, school, shift_working_days(clock.today(), -2))
    with app.app_context():
        criterion_id = plan_rules.load_plan(db.session.get(School, school["id"]), school["plan"]).success_criteria[0].id
    sign_in("adviser@example.org")
    prefix = f"criterion-{criterion_id}-"
    future = client.post(f"/schools/{school['id']}/meetings/{future_id}/review/criteria/{criterion_id}",
                         data={prefix + "rag": "amber", prefix + "note": ""})
    assert "You can record progress from the day of the meeting" in text_of(future)
    done = client.post(f"/schools/{school['id']}/meetings/{past_id}/review/criteria/{criterion_id}",
                       data={prefix + "rag": "green", prefix + "note": "78% on track"})
    assert done.status_code == 302
    step = client.post(f"/schools/{school['id']}/meetings/{past_id}/review/next-steps",
                       data={"description": "Reading lead to audit book bands", "owner": "Reading lead",
                             "due_on": ["15", "1", "2027"]})
    assert step.status_code == 302
    page = text_of(client.get(f"/schools/{school['id']}/meetings/{past_id}"))
    assert "Green" in page and "78% on track" in page and "Reading lead to audit book bands" in page
    with app.app_context():
        plan = plan_rules.load_plan(db.session.get(School, school["id"]), school["plan"])
        meetings, rows = rules.plan_review_timeline(plan)
        assert [r.rag if r else None for r in rows[0][1]] == [Rag.GREEN, None]
        assert len(meetings) == 2


def test_due_items_soonest_first_with_overdue_first(ctx, school):
    today = date(2026, 11, 25)
    school_row = db.session.get(School, school["id"])
    for meets_on in (date(2026, 12, 16), date(2026, 12, 2)):
        rules.schedule_meeting(school_row, None, kind="rap_review", meets_on=meets_on, starts_at=time(16), ends_at=time(17))
    db.session.flush()
    head = db.session.get(User, school["people"]["head"])
    adviser = db.session.get(User, school["people"]["adviser"])
    assert [(i.what, i.due_on) for i in rules.due_for(head, today)] == [("Evidence", date(2026, 11, 25)),
                                                                         ("Evidence", date(2026, 12, 9))]
    agenda = rules.due_for(adviser, today)
    assert [(i.what, i.due_on, i.overdue) for i in agenda] == [("Agenda", date(2026, 11, 18), True),
                                                                ("Agenda", date(2026, 12, 2), False)]


# School holidays: YEAR's Autumn 2 ends on Friday 18 December 2026 and Spring 1 starts on Tuesday 5 January 2027.
CHRISTMAS = "between Autumn 2 and Spring 1"


def test_term_calendar_tells_the_school_holidays_from_term_time(ctx, school):
    from portal.terms.rules import term_calendar

    calendar = term_calendar()
    assert calendar.holiday_on(date(2026, 12, 30)).described == CHRISTMAS
    assert calendar.holiday_on(date(2026, 10, 28)).described == "between Autumn 1 and Autumn 2"
    assert calendar.holiday_on(date(2026, 8, 20)).described == "before Autumn 1"
    assert calendar.holiday_on(date(2027, 8, 10)).described == "after Summer 2"
    for in_term in (date(2026, 12, 18), date(2027, 1, 5), date(2026, 11, 25)):
        assert calendar.holiday_on(in_term) is None and not calendar.is_school_holiday(in_term)
    assert calendar.holiday_on(date(2027, 9, 1)) is None  # 2027 to 2028 has no term dates: nothing is known
    assert calendar.holiday_on(date(2026, 7, 30)) is None  # nor has 2025 to 2026
    assert rules.holiday_warning(date(2026, 12, 30)) == f"30 December 2026 is in the school holidays ({CHRISTMAS})"
    assert rules.holiday_warning(date(2026, 12, 16)) is None


def test_a_meeting_in_the_school_holidays_is_booked_only_once_confirmed(ctx, school):
    school_row = db.session.get(School, school["id"])
    when = {"kind": "rap_review", "starts_at": time(16), "ends_at": time(17)}
    with pytest.raises(rules.InSchoolHolidays) as warned:
        rules.schedule_meeting(school_row, None, meets_on=date(2026, 12, 30), **when)
    assert warned.value.message == ("30 December 2026 is in the school holidays (between Autumn 2 and Spring 1). "
                                    "Tick the box to book it anyway.")
    assert warned.value.field == "book_in_holidays"
    meeting = rules.schedule_meeting(school_row, None, meets_on=date(2026, 12, 30), holidays_confirmed=True, **when)
    assert rules.deadlines_for(meeting).evidence_due == date(2026, 12, 21)  # past Christmas and Boxing Day (28th)
    rules.schedule_meeting(school_row, None, meets_on=date(2027, 9, 15), **when)  # no term dates for 2027 to 2028: no warning
    in_term = rules.schedule_meeting(school_row, None, meets_on=date(2026, 12, 16), **when)
    db.session.flush()
    with pytest.raises(rules.InSchoolHolidays, match="21 December 2026 is in the school holidays"):
        rules.reschedule(in_term, None, meets_on=date(2026, 12, 21), starts_at=time(16), ends_at=time(17), reason="")
    rules.reschedule(in_term, None, meets_on=date(2026, 12, 21), starts_at=time(16), ends_at=time(17), reason="",
                     holidays_confirmed=True)
    rules.reschedule(in_term, None, meets_on=date(2026, 12, 21), starts_at=time(10), ends_at=time(11), reason="")  # same day
    assert (in_term.meets_on, in_term.starts_at) == (date(2026, 12, 21), time(10))


def _date_fields(day):
    return [str(day.day), str(day.month), str(day.year)]


def test_scheduling_pages_warn_about_the_holidays_keep_what_was_typed_and_book_once_ticked(app, client, sign_in, school):
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings"
    data = {"kind": "rap_review", "plan_id": str(school["plan"]), "meets_on": _date_fields(date(2026, 12, 30)),
            "starts_at": "10am", "ends_at": "11:30", "place": "Council offices", "chair": "Jo Lead"}
    warned = client.post(f"{base}/new", data=data)
    page, html = text_of(warned), warned.get_data(as_text=True)
    assert warned.status_code == 200 and "There is a problem" in page
    assert ("30 December 2026 is in the school holidays (between Autumn 2 and Spring 1). Tick the box to book it anyway."
            in page)
    assert 'href="#book_in_holidays"' in html and 'name="book_in_holidays"' in html
    assert 'value="Council offices"' in html and 'value="Jo Lead"' in html and 'value="10:00"' in html
    assert 'value="30"' in html and 'value="12"' in html
    with app.app_context():
        assert db.session.scalar(select(ReviewMeeting)) is None
    booked = client.post(f"{base}/new", data={**data, "book_in_holidays": "y"})
    assert booked.status_code == 302
    meeting_page = text_of(client.get(booked.headers["Location"]))
    assert "30 December 2026, 10:00 to 11:30 School holiday" in meeting_page
    assert "21 December 2026 School holiday" in meeting_page  # the evidence deadline: the school may be closed
    assert "14 December 2026 School holiday" not in meeting_page  # the agenda deadline is in term
    assert "21 December 2026 School holiday" in text_of(client.get(base))

    meeting_id = int(booked.headers["Location"].rsplit("/", 1)[1])
    back = {"meets_on": _date_fields(date(2026, 12, 16)), "starts_at": "4pm", "ends_at": "5pm", "reason": "Back in term"}
    in_term = client.post(f"{base}/{meeting_id}/reschedule", data=back)
    assert in_term.status_code == 302
    page = text_of(client.get(f"{base}/{meeting_id}"))
    assert "16 December 2026, 16:00 to 17:00 Where" in page  # in term: no tag on the meeting's date
    assert "4 January 2027 School holiday" in page  # but its minutes fall due the day before Spring 1 starts
    moved = {"meets_on": _date_fields(date(2027, 2, 17)), "starts_at": "4pm", "ends_at": "5pm", "reason": "Head on a course"}
    warned = client.post(f"{base}/{meeting_id}/reschedule", data=moved)
    assert "17 February 2027 is in the school holidays (between Spring 1 and Spring 2)" in text_of(warned)
    assert "Head on a course" in warned.get_data(as_text=True)
    assert client.post(f"{base}/{meeting_id}/reschedule", data={**moved, "book_in_holidays": "y"}).status_code == 302
    assert "moved from 16 December 2026 16:00 to 17 February 2027 16:00" in text_of(client.get(f"{base}/{meeting_id}"))


def test_a_held_meetings_agenda_is_not_sent_rather_than_overdue(app, client, sign_in, school):
    today = clock.today()
    held_id = _meeting(app, school, shift_working_days(today, -3))
    coming_id = _meeting(app, school, shift_working_days(today, 3))
    with app.app_context():
        held, coming = db.session.get(ReviewMeeting, held_id), db.session.get(ReviewMeeting, coming_id)
        assert rules.agenda_status(held, rules.deadlines_for(held), today) == "not sent"
        assert rules.agenda_status(coming, rules.deadlines_for(coming), today) == "overdue"
        assert rules.agenda_status(coming, rules.deadlines_for(coming), shift_working_days(today, -20)) == "due"
        adviser = db.session.get(User, school["people"]["adviser"])
        assert [(i.what, i.meeting.id) for i in rules.due_for(adviser, today) if i.what == "Agenda"] == [("Agenda", coming_id)]
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings"
    held_page = text_of(client.get(f"{base}/{held_id}"))
    assert "Agenda to members" in held_page and "Not sent" in held_page and "Overdue" not in held_page
    assert "Overdue" in text_of(client.get(f"{base}/{coming_id}"))
    rows = client.get(base).get_data(as_text=True).split("<tr")
    held_row, coming_row = (next(r for r in rows if f'/meetings/{i}"' in r) for i in (held_id, coming_id))
    assert "Not sent" in held_row and "Overdue" not in held_row
    assert "Overdue" in coming_row
    home = text_of(client.get("/"))
    assert home.count("Send the agenda") == 1 and "Circulate the minutes" in home


def test_deadlines_in_the_holidays_are_marked_where_they_are_listed(app, client, sign_in, school):
    meeting_id = _meeting(app, school, date(2027, 1, 13))  # in Spring 1; its agenda is due 29 December, in the holidays
    with app.app_context():
        adviser = db.session.get(User, school["people"]["adviser"])
        assert [(i.what, i.due_on, i.in_holidays) for i in rules.due_for(adviser)] == [("Agenda", date(2026, 12, 29), True)]
    sign_in("adviser@example.org")
    assert "29 December 2026 School holiday" in text_of(client.get("/"))
    agenda_page = text_of(client.get(f"/schools/{school['id']}/meetings/{meeting_id}/agenda"))
    assert "Due to members by 29 December 2026 School holiday" in agenda_page
    meeting_page = text_of(client.get(f"/schools/{school['id']}/meetings/{meeting_id}"))
    assert meeting_page.count("School holiday") == 1  # the meeting, its evidence and minutes deadlines are in term
    sign_in("head@example.org")
    home = text_of(client.get("/"))
    assert "6 January 2027" in home and "School holiday" not in home


def test_evidence_and_minutes_deadlines_in_the_holidays_are_marked_on_their_pages(app, client, sign_in, school):
    """A review on Wednesday 9 December: its minutes are due 23 December (holidays); one on 6 January: its evidence is
    due 29 December (after Christmas Day and Boxing Day, observed on the 28th)."""
    from portal.evidence import rules as evidence_rules

    december = _meeting(app, school, date(2026, 12, 9))
    january = _meeting(app, school, date(2027, 1, 6))
    with app.app_context():
        school_row = db.session.get(School, school["id"])
        meeting = rules.load_meeting(school_row, january)
        item = evidence_rules.submit(school_row, None, meeting=meeting, title="Book looks", narrative="Progress.",
                                     criteria=meeting.plan.success_criteria, files=[])
        db.session.commit()
        item_id = item.id
    sign_in("adviser@example.org")
    evidence_page = text_of(client.get(f"/schools/{school['id']}/evidence/{item_id}"))
    assert "(evidence due 29 December 2026 School holiday" in evidence_page
    base = f"/schools/{school['id']}/meetings/{december}/minutes"
    assert "Due to be circulated by 23 December 2026 School holiday" in text_of(client.get(base))
