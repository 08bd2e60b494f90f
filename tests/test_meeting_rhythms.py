"""Kinds of meeting as data with their own deadlines, the rhythm each category holds them in, and scheduling a year
of meetings in that rhythm (rules, then pages). The clock is pinned to 25 November 2026 (Autumn 2)."""

from datetime import date, time

import pytest
from sqlalchemy import select

from portal import clock
from portal.auth.models import User
from portal.categories.rules import change_between_rounds
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.meetings import kinds, rules
from portal.meetings import year as meeting_year
from portal.meetings.models import CategoryMeetingRhythm, MeetingType, ReviewMeeting, Rhythm
from portal.plans import rules as plan_rules
from portal.schools.models import Role, School
from portal.terms.models import AcademicYear
from portal.terms.rules import add_closure_day, term_calendar
from tests.categories_helpers import build_scheme, category
from tests.conftest import text_of
from tests.test_meetings import school  # noqa: F401  (the fixture: Brookside, its people, 2026 to 2027, a plan)


def _year():
    return db.session.scalar(select(AcademicYear))


def _slots(rhythm):
    return meeting_year.slots_for(_year(), rhythm, term_calendar())


def _date_fields(day):
    return [str(day.day), str(day.month), str(day.year)]


# --- the year's slots -----------------------------------------------------------------------------------------------

def test_each_rhythm_proposes_term_time_working_days_in_its_own_part_of_the_year(ctx, school):
    calendar = term_calendar()
    expected = {Rhythm.HALF_TERMLY: ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"],
                Rhythm.TERMLY: ["Autumn term", "Spring term", "Summer term"],
                Rhythm.EVERY_TWO_MONTHS: ["September and October 2026", "November and December 2026",
                                          "January and February 2027", "March and April 2027", "May and June 2027",
                                          "July 2027"],
                Rhythm.YEARLY: ["2026 to 2027"]}
    for rhythm, labels in expected.items():
        slots = _slots(rhythm)
        assert [slot.label for slot in slots] == labels
        for slot in slots:
            assert slot.earliest <= slot.starts_on <= slot.suggested <= slot.ends_on <= slot.latest
            assert slot.suggested.weekday() < 5 and not calendar.is_school_holiday(slot.suggested)
    monthly = _slots(Rhythm.MONTHLY)
    assert [slot.label for slot in monthly][0] == "September 2026" and len(monthly) == 11  # no August: no term in it
    # The third Wednesday of February 2027 (the 17th) is in the half-term holiday: the next term-time day instead.
    assert {slot.label: slot.suggested for slot in monthly}["February 2027"] == date(2027, 2, 22)
    assert [slot.suggested for slot in _slots(Rhythm.TERMLY)] == [date(2026, 11, 25), date(2027, 3, 17), date(2027, 6, 30)]


def test_slots_already_over_are_left_out_and_a_past_suggestion_moves_to_today_or_later(ctx, school):
    calendar = term_calendar()
    add_closure_day(date(2026, 11, 26), "Training day")
    coming = meeting_year.still_to_come(_slots(Rhythm.MONTHLY), date(2026, 11, 25), calendar, frozenset({date(2026, 11, 26)}))
    assert coming[0].label == "November 2026" and coming[0].suggested == date(2026, 11, 25)
    coming = meeting_year.still_to_come(_slots(Rhythm.MONTHLY), date(2026, 11, 26), calendar, frozenset({date(2026, 11, 26)}))
    assert coming[0].suggested == date(2026, 11, 27)  # the closure day is skipped
    assert "October 2026" not in [slot.label for slot in coming]


# --- kinds of meeting and their deadlines ---------------------------------------------------------------------------

def test_a_kind_with_its_own_deadlines_falls_back_to_the_las_where_blank(ctx, school):
    programme = kinds.save_kind(name="Improving Outcomes Programme meeting", agenda_days=5, minutes_days=5)
    db.session.flush()
    assert programme.key == "improving_outcomes_progr"  # from the name, short; never changes
    school_row = db.session.get(School, school["id"])
    own = rules.schedule_meeting(school_row, None, kind=programme.key, meets_on=date(2026, 12, 2), starts_at=time(16),
                                 ends_at=time(17))
    usual = rules.schedule_meeting(school_row, None, kind="rap_review", meets_on=date(2026, 12, 2), starts_at=time(16),
                                   ends_at=time(17))
    db.session.flush()
    assert rules.deadlines_for(own) == rules.Deadlines(agenda_due=date(2026, 11, 25), evidence_due=date(2026, 11, 25),
                                                       minutes_due=date(2026, 12, 9))
    assert rules.deadlines_for(usual).agenda_due == date(2026, 11, 18)  # the LA's 10 working days
    assert own.title.startswith("Improving Outcomes Programme meeting")


def test_kind_names_are_unique_days_are_bounded_and_the_rap_review_stays(ctx, school):
    with pytest.raises(RuleBroken, match="There is already a kind of meeting called School Improvement Board"):
        kinds.save_kind(name="school improvement board")
    with pytest.raises(RuleBroken, match="between 0 and 60 working days"):
        kinds.save_kind(name="Termly conversation", agenda_days=61)
    with pytest.raises(RuleBroken, match="cannot be retired"):
        kinds.set_active(kinds.kind_by_key("rap_review"), False)
    with pytest.raises(RuleBroken, match="Choose a kind of meeting"):
        rules.schedule_meeting(db.session.get(School, school["id"]), None, kind="no_such_kind", meets_on=date(2026, 12, 2),
                               starts_at=time(16), ends_at=time(17))


def test_retiring_a_kind_takes_it_out_of_every_categorys_rhythm(ctx, school):
    version = build_scheme()
    board = kinds.kind_by_key("improvement_board")
    concern = category(version, "Concern")
    kinds.save_rhythms(version.scheme_id, version.categories, [board], {(concern.key, board.id): Rhythm.TERMLY})
    db.session.flush()
    assert kinds.rhythms_of_scheme(version.scheme_id) == {(concern.key, board.id): Rhythm.TERMLY}
    kinds.set_active(board, False)
    db.session.flush()
    assert kinds.rhythms_of_scheme(version.scheme_id) == {}


# --- scheduling the year --------------------------------------------------------------------------------------------

def test_a_year_in_the_holidays_is_warned_about_and_covered_slots_are_left_alone(ctx, school):
    school_row = db.session.get(School, school["id"])
    plan = plan_rules.load_plan(school_row, school["plan"])
    slots = _slots(Rhythm.HALF_TERMLY)
    chosen = [(slot, slot.suggested) for slot in slots]
    when = {"kind": "rap_review", "plan": plan, "starts_at": time(16), "ends_at": time(17)}
    in_holidays = [(slot, date(2026, 12, 21) if slot.label == "Autumn 2" else date(2026, 12, 22) if slot.label == "Spring 1"
                    else day) for slot, day in chosen]
    with pytest.raises(rules.InSchoolHolidays) as warned:
        meeting_year.schedule_year(school_row, None, slots_and_dates=in_holidays, **when)
    assert warned.value.message == ("The Autumn 2 meeting on 21 December 2026 is in the school holidays (between Autumn 2 "
                                    "and Spring 1); the Spring 1 meeting on 22 December 2026 is in the school holidays "
                                    "(between Autumn 2 and Spring 1). Tick the box to book them anyway.")
    wrong = [(slot, date(2027, 1, 13) if slot.label == "Autumn 2" else day) for slot, day in chosen]
    with pytest.raises(RuleBroken, match="The Autumn 2 meeting must be between 24 October 2026 and 4 January 2027"):
        meeting_year.schedule_year(school_row, None, slots_and_dates=wrong, **when)
    with pytest.raises(RuleBroken, match="Choose the plan the rap review meetings review"):
        meeting_year.schedule_year(school_row, None, slots_and_dates=chosen, **{**when, "plan": None})
    created = meeting_year.schedule_year(school_row, None, slots_and_dates=in_holidays, holidays_confirmed=True, **when)
    assert len(created) == 6 and [m.half_term.name for m in created][1] == "Autumn 2"
    db.session.flush()
    assert meeting_year.schedule_year(school_row, None, slots_and_dates=chosen, **when) == []


def test_the_adviser_schedules_the_year_in_the_rhythm_of_the_schools_category(app, client, sign_in, world, school):
    admin = world.user("admin@example.org", is_la_admin=True)
    with app.app_context():
        version = build_scheme()
        concern = category(version, "Concern")
        board = kinds.kind_by_key("improvement_board")
        kinds.save_kind(board, name=board.name, agenda_days=5, minutes_days=5)
        kinds.save_rhythms(version.scheme_id, version.categories, [board], {(concern.key, board.id): Rhythm.TERMLY})
        change_between_rounds(db.session.get(School, school["id"]), db.session.get(User, admin),
                              category_id=concern.id, reason="New inspection", effective_on=clock.today(), today=clock.today())
        db.session.commit()
    sign_in("adviser@example.org")
    url = f"/schools/{school['id']}/meetings/schedule-year"
    page = text_of(client.get(url))
    assert "Brookside Primary School is in 3: Concern , which holds School Improvement Board termly." in page
    assert "School Improvement Board, termly" in page
    assert "Autumn term meeting" in page and "Spring term meeting" in page and "Summer term meeting" in page
    data = {"kind": "improvement_board", "rhythm": "termly", "year": "2026", "plan_id": "0", "starts_at": "10am",
            "ends_at": "12:00", "place": "Council offices", "chair": "Director of Education",
            "date_term_1": _date_fields(date(2026, 12, 9)), "date_term_2": _date_fields(date(2027, 3, 17)),
            "date_term_3": _date_fields(date(2027, 6, 30))}
    refused = client.post(url, data={**data, "date_term_2": _date_fields(date(2027, 5, 5))})
    assert "The Spring term meeting must be between 19 December 2026 and 11 April 2027" in text_of(refused)
    assert 'value="Council offices"' in refused.get_data(as_text=True)  # what was typed stays
    done = client.post(url, data=data, follow_redirects=True)
    assert "3 meetings scheduled for 2026 to 2027: School Improvement Board, termly." in text_of(done)
    with app.app_context():
        meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.meets_on)).all()
        assert [(m.kind_key, m.meets_on) for m in meetings] == [
            ("improvement_board", date(2026, 12, 9)), ("improvement_board", date(2027, 3, 17)),
            ("improvement_board", date(2027, 6, 30))]
        assert rules.deadlines_for(meetings[0]).agenda_due == date(2026, 12, 2)  # the board's own 5 working days
    again = text_of(client.get(url))
    assert "Already booked, so left alone" in again and "Every part of 2026 to 2027 already has a School Improvement Board" in again
    # Another rhythm can be chosen: half-termly RAP reviews from the rest of the year.
    other = text_of(client.get(url, query_string={"kind": "rap_review", "rhythm": "half_termly", "year": "2026"}))
    assert "RAP review meeting, half-termly" in other and "Autumn 1 meeting" not in other and "Autumn 2 meeting" in other


def test_a_school_without_a_category_is_offered_half_termly_rap_reviews(client, sign_in, school):
    sign_in("adviser@example.org")
    page = text_of(client.get(f"/schools/{school['id']}/meetings/schedule-year"))
    assert "has no category yet, so half-termly RAP reviews are suggested" in page
    assert "Autumn 2 meeting" in page and "Summer 2 meeting" in page


def test_headteachers_cannot_schedule_the_year(client, sign_in, school):
    sign_in("head@example.org")
    assert client.get(f"/schools/{school['id']}/meetings/schedule-year").status_code == 403


# --- the LA admin's pages -------------------------------------------------------------------------------------------

def test_la_admin_adds_a_kind_with_its_own_deadlines_and_sets_meetings_by_category(app, client, sign_in, world, school):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    listing = text_of(client.get("/meeting-kinds"))
    assert "RAP review meeting" in listing and "10 working days before (LA's)" in listing
    typed = {"name": "", "description": "Cheshire East's programme meeting", "agenda_days": "a week", "minutes_days": "5"}
    refused = client.post("/meeting-kinds/new", data=typed)
    page, html = text_of(refused), refused.get_data(as_text=True)
    assert "There is a problem" in page and "Enter the name of the kind of meeting" in page
    assert "Agenda: working days before the meeting must be a whole number of working days, like 5, or blank" in page
    assert "Cheshire East&#39;s programme meeting" in html and 'value="a week"' in html
    saved = client.post("/meeting-kinds/new", data={**typed, "name": "IOP meeting", "agenda_days": "5"})
    assert saved.status_code == 302
    listing = text_of(client.get("/meeting-kinds"))
    assert "IOP meeting" in listing and "5 working days before" in listing and "5 working days after" in listing

    assert "Choose the LA's category scheme first" in text_of(client.get("/meeting-kinds/by-category"))
    with app.app_context():
        version = build_scheme()
        concern = category(version, "Concern")
        iop = db.session.scalar(select(MeetingType).where(MeetingType.name == "IOP meeting"))
        cells = {f"rhythm_{c.id}_{k.id}": "" for c in version.categories for k in kinds.active_kinds()}
        field, concern_key = f"rhythm_{concern.id}_{iop.id}", concern.key
        db.session.commit()
    assert client.post("/meeting-kinds/by-category", data={**cells, field: "every_two_months"}).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(CategoryMeetingRhythm))
        assert (row.category_key, row.meeting_type.name, row.rhythm) == (concern_key, "IOP meeting", Rhythm.EVERY_TWO_MONTHS)
    assert 'value="every_two_months" selected' in client.get("/meeting-kinds/by-category").get_data(as_text=True)
    # The new kind is offered when one meeting is scheduled; once retired, it is not.
    assert ">IOP meeting</option>" in client.get(f"/schools/{school['id']}/meetings/new").get_data(as_text=True)
    with app.app_context():
        iop_id = db.session.scalar(select(MeetingType.id).where(MeetingType.name == "IOP meeting"))
    assert client.post(f"/meeting-kinds/{iop_id}/retire").status_code == 302
    assert ">IOP meeting</option>" not in client.get(f"/schools/{school['id']}/meetings/new").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CategoryMeetingRhythm)) is None


def test_advisers_cannot_change_kinds_of_meeting(client, sign_in, school):
    sign_in("adviser@example.org")
    for url in ("/meeting-kinds", "/meeting-kinds/new", "/meeting-kinds/by-category"):
        assert client.get(url).status_code == 403
    assert client.post("/meeting-kinds/new", data={"name": "Sneaky"}).status_code == 403


def test_ready_made_schemes_bring_their_meetings_and_a_copy_keeps_them(ctx):
    from portal.categories import schemes

    scheme = schemes.scheme_from_data(schemes.ready_made("cheshire-east"))
    db.session.flush()
    programme = db.session.scalar(select(MeetingType).where(MeetingType.name == "Improving Outcomes Programme meeting"))
    assert (programme.agenda_days, programme.evidence_days, programme.minutes_days) == (5, None, 5)
    assert kinds.rhythms_of_scheme(scheme.id) == {("intensive", programme.id): Rhythm.EVERY_TWO_MONTHS}
    copy = schemes.copy_version(scheme.versions[0], "Our programme")
    db.session.flush()
    assert kinds.rhythms_of_scheme(copy.id) == {("intensive", programme.id): Rhythm.EVERY_TWO_MONTHS}
    assert len(kinds.all_kinds()) == 6  # the copy named the same kind: not added twice
    for slug, _data in schemes.ready_made_schemes():
        schemes.scheme_from_data(schemes.ready_made(slug), f"Copy of {slug}")  # every ready-made scheme loads
    db.session.flush()


def test_a_school_with_no_plan_can_still_schedule_a_kind_that_does_not_review_one(app, client, sign_in, world):
    school_id = world.school("Kingsway Junior School")
    world.user("adviser@example.org", roles=[(school_id, Role.ADVISER)])
    with app.app_context():
        from tests.test_meetings import YEAR
        from portal.terms.rules import save_term_dates

        save_term_dates(None, *YEAR)
        db.session.commit()
    sign_in("adviser@example.org")
    url = f"/schools/{school_id}/meetings/schedule-year"
    page = text_of(client.get(url))
    assert "RAP review meetings review the school's plan, and Kingsway Junior School has no plan yet" in page
    assert "Autumn 2 meeting" not in page
    board = text_of(client.get(url, query_string={"kind": "improvement_board", "rhythm": "termly"}))
    assert "Plan the meetings look at (optional)" in board and "Spring term meeting" in board


def test_reminders_name_the_kinds_own_deadline(app, ctx, school):
    from portal.reminders.scan import wanted_reminders, with_public_urls

    programme = kinds.save_kind(name="Improving Outcomes Programme meeting", agenda_days=5)
    school_row = db.session.get(School, school["id"])
    rules.schedule_meeting(school_row, None, kind=programme, meets_on=date(2026, 12, 9), starts_at=time(16), ends_at=time(17))
    db.session.commit()
    with with_public_urls():
        agenda = [r for r in wanted_reminders(date(2026, 11, 30)) if r.kind == "agenda"]
    assert agenda and agenda[0].subject.startswith("Agenda due 2 December 2026")
    assert "by 2 December 2026, 5 working days before the meeting." in agenda[0].lines[0]
