"""In a real browser: an adviser schedules a year of half-termly reviews; the headteacher sees the evidence deadline."""

from datetime import date, time, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.meetings import rules
from portal.meetings.models import ReviewMeeting, Rhythm
from portal.meetings.year import slots_for, still_to_come
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.terms.rules import save_term_dates, term_calendar
from portal import clock
from tests.conftest import PASSWORD


def current_year_dates(today):
    """Six half terms of the academic year containing ``today`` (September to July)."""
    start = today.year if today.month >= 8 else today.year - 1
    pairs = [((9, 2), (10, 23)), ((11, 2), (12, 18)), ((1, 5), (2, 12)), ((2, 22), (3, 26)), ((4, 12), (5, 28)), ((6, 7), (7, 21))]
    year_of = lambda month: start if month >= 8 else start + 1  # noqa: E731
    return start, [(date(year_of(a[0]), *a), date(year_of(b[0]), *b)) for a, b in pairs]


def _sign_in(page, portal_url, email):
    page.goto(portal_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_adviser_schedules_half_termly_reviews_and_head_sees_evidence_deadline(app, browser, portal_url, world):
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    today = clock.today()
    dates = current_year_dates(today)
    if dates[1][-1][1] < today:  # late July: the year is over, so next year's meetings are scheduled
        dates = current_year_dates(today + timedelta(days=20))
    with app.app_context():
        year = save_term_dates(None, *dates)
        year_label = year.label
        coming = len(still_to_come(slots_for(year, Rhythm.HALF_TERMLY, term_calendar()), today, term_calendar()))
        plan_rules.create_plan(db.session.get(School, school_id), None, kind=PlanKind.RAP, title="Raising Achievement Plan",
                               academic_year=year)
        db.session.commit()

    adviser = browser.new_page()
    _sign_in(adviser, portal_url, "adviser@example.org")
    adviser.goto(f"{portal_url}/schools/{school_id}/meetings")
    adviser.get_by_role("link", name="Schedule the year's meetings").click()
    expect(adviser.get_by_role("heading", level=1)).to_have_text("Schedule the year's meetings")
    expect(adviser.get_by_role("heading", level=2, name="RAP review meeting, half-termly")).to_be_visible()
    adviser.get_by_label("Start time").fill("4pm")
    adviser.get_by_label("End time").fill("5:30pm")
    adviser.get_by_label("Place").fill("School library")
    adviser.get_by_role("button", name="Schedule these meetings").click()
    expect(adviser.locator(".govuk-notification-banner")).to_contain_text(
        f"{coming} meeting{'s' if coming != 1 else ''} scheduled for {year_label}: RAP review meeting, half-termly")
    expect(adviser.locator("tbody tr")).to_have_count(coming)

    with app.app_context():
        meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.meets_on)).all()
        assert all(m.starts_at == time(16) and m.ends_at == time(17, 30) for m in meetings)
        upcoming = next(m for m in meetings if m.meets_on >= today)
        evidence_due = rules.deadlines_for(upcoming).evidence_due

    head = browser.new_context().new_page()
    _sign_in(head, portal_url, "head@example.org")
    due = head.locator("table", has_text="What is due from you")
    expect(due).to_be_visible()
    first_row = due.locator("tbody tr").first
    expect(first_row).to_contain_text(f"{evidence_due.day} {evidence_due:%B %Y}")
    expect(first_row).to_contain_text("Submit evidence")


def test_adviser_books_a_meeting_in_the_christmas_holidays_after_the_warning(app, browser, portal_url, world):
    school_id = world.school("Brookside Primary School")
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    with app.app_context():
        save_term_dates(None, *current_year_dates(date(2026, 11, 25)))  # Autumn 2 ends 18 December, Spring 1 starts 5 January
        db.session.commit()

    adviser = browser.new_page()
    _sign_in(adviser, portal_url, "adviser@example.org")
    adviser.goto(f"{portal_url}/schools/{school_id}/meetings/new")
    adviser.get_by_label("Day").fill("30")
    adviser.get_by_label("Month").fill("12")
    adviser.get_by_label("Year").fill("2026")
    adviser.get_by_label("Start time").fill("10am")
    adviser.get_by_label("End time").fill("11am")
    adviser.get_by_label("Place").fill("Council offices")
    adviser.get_by_role("button", name="Schedule meeting").click()
    summary = adviser.locator(".govuk-error-summary")
    expect(summary).to_contain_text("30 December 2026 is in the school holidays (between Autumn 2 and Spring 1). "
                                    "Tick the box to book it anyway.")
    expect(adviser.get_by_label("Place")).to_have_value("Council offices")
    summary.get_by_role("link").click()
    adviser.get_by_label("Book in the school holidays anyway").check()
    adviser.get_by_role("button", name="Schedule meeting").click()
    expect(adviser.locator(".govuk-notification-banner")).to_contain_text("scheduled")
    expect(adviser.locator(".govuk-summary-list")).to_contain_text("30 December 2026, 10:00 to 11:00 School holiday")
    evidence_row = adviser.get_by_role("row", name="School's evidence")
    expect(evidence_row).to_contain_text("21 December 2026")
    expect(evidence_row).to_contain_text("School holiday")
