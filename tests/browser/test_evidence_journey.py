"""In a real browser: a headteacher uploads two files; the adviser verifies one and queries the other."""

from datetime import time

from playwright.sync_api import expect

from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.terms.rules import save_term_dates
from portal.working_days import shift_working_days
from portal import clock
from tests.browser.test_meetings_journey import _sign_in, current_year_dates
from tests.test_evidence import PDF, PNG


def test_upload_two_files_then_verify_one_and_query_the_other(app, browser, portal_url, world, tmp_path, csp_violations):
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    today = clock.today()
    with app.app_context():
        year = save_term_dates(None, *current_year_dates(today))
        row = db.session.get(School, school_id)
        plan = plan_rules.create_plan(row, None, kind=PlanKind.RAP, title="RAP", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Reading", description="")
        plan_rules.save_criterion(priority, None, description="85% reach the expected standard in reading", milestones={})
        meeting_rules.schedule_meeting(row, None, kind="rap_review", meets_on=shift_working_days(today, 8),
                                       starts_at=time(16), ends_at=time(17), plan=plan)
        db.session.commit()
    (tmp_path / "reading-scores.pdf").write_bytes(PDF)
    (tmp_path / "attendance chart.png").write_bytes(PNG)

    head = browser.new_page()
    head.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(head, portal_url, "head@example.org")
    for title, file_name in (("Reading scores", "reading-scores.pdf"), ("Attendance chart", "attendance chart.png")):
        head.goto(f"{portal_url}/schools/{school_id}/evidence")
        head.get_by_role("link", name="Submit evidence").click()
        expect(head.get_by_role("heading", level=1)).to_have_text("Submit evidence")
        head.get_by_label("Title").fill(title)
        head.get_by_label("85% reach the expected standard in reading").check()
        head.get_by_label("What does it show?").fill(f"{title} for the autumn review.")
        head.get_by_label("Files").set_input_files(str(tmp_path / file_name))
        head.get_by_role("button", name="Submit evidence").click()
        expect(head.get_by_role("heading", level=1)).to_have_text(title)
        expect(head.get_by_role("link", name=file_name)).to_be_visible()

    adviser = browser.new_context().new_page()
    _sign_in(adviser, portal_url, "adviser@example.org")
    adviser.get_by_role("link", name="Verification", exact=True).click()
    expect(adviser.get_by_role("table")).to_contain_text("Reading scores")
    adviser.get_by_role("link", name="Reading scores").click()
    adviser.get_by_label("Verified").check()
    adviser.get_by_role("button", name="Save decision").click()
    expect(adviser.locator(".govuk-tag").first).to_have_text("Verified")
    adviser.get_by_role("link", name="Verification", exact=True).click()
    adviser.get_by_role("link", name="Attendance chart").click()
    adviser.get_by_label("Raise a query: ask the school a question").check()
    adviser.get_by_label("Comment").fill("Which year groups does the chart cover?")
    adviser.get_by_role("button", name="Save decision").click()
    expect(adviser.locator(".govuk-tag").first).to_have_text("Query raised")

    head.goto(portal_url + f"/schools/{school_id}/evidence")
    expect(head.get_by_role("table")).to_contain_text("Verified")
    expect(head.get_by_role("table")).to_contain_text("Query raised")
    assert csp_violations == []
