"""In a real browser: a headteacher completes and submits a self-evaluation; the adviser validates it."""

from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.frameworks.ready_made import build_demo_frameworks
from portal.schools.models import Role, School
from portal.self_evaluation import rules
from tests.conftest import PASSWORD


def _sign_in(page, portal_url, email):
    page.goto(portal_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_headteacher_submits_and_adviser_validates(app, browser, portal_url, world, csp_violations):
    school_id = world.school("Brookside Primary School", phase="Primary")
    head_id = world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    with app.app_context():
        current, _ = build_demo_frameworks()
        db.session.flush()
        head = db.session.get(User, head_id)
        evaluation = rules.start(db.session.get(School, school_id), current.published_version, head, "Autumn 2026")
        db.session.flush()
        grade = current.published_version.scale.grades[2]
        for judgement in evaluation.judgements:
            if judgement.area.key != "achievement":
                rules.save_judgement(judgement, head, grade_id=grade.id, strengths="Clear plan.", areas_for_development="Consistency.",
                                     evidence="Visits.", revision=0)
        rules.save_safeguarding(evaluation, met=True, note="")
        db.session.commit()
        base = f"{portal_url}/schools/{school_id}/self-evaluations/{evaluation.id}"

    page = browser.new_page()
    page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(page, portal_url, "head@example.org")
    page.goto(base + "/edit")
    page.get_by_role("button", name="Submit to your adviser").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose a grade for Achievement")
    summary.get_by_role("link", name="Choose a grade for Achievement").click()
    expect(page).to_have_url(base + "/submit#area-achievement")

    achievement = page.locator("#area-achievement")
    achievement.get_by_label("Needs attention").check()
    expect(achievement.get_by_role("status")).to_contain_text("Saved")  # htmx saved it on change
    achievement.get_by_label("Strengths").fill("Writing improved in year 6.")
    achievement.get_by_label("Areas for development").fill("Reading for disadvantaged pupils.")
    achievement.get_by_label("Evidence relied on").click()  # leaving the field saves it
    expect(achievement.get_by_role("status")).to_contain_text("Sarah Lewis")
    page.wait_for_timeout(300)
    page.goto(base + "/edit")
    expect(page.locator("#area-achievement").get_by_label("Strengths")).to_have_value("Writing improved in year 6.")
    page.get_by_role("button", name="Submit to your adviser").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Autumn 2026 self-evaluation submitted to your adviser")

    adviser_page = browser.new_context().new_page()
    _sign_in(adviser_page, portal_url, "adviser@example.org")
    adviser_page.goto(base + "/validate")
    for section in adviser_page.locator("section[id^=area-]").all():
        if section.get_attribute("id") == "area-achievement":
            section.get_by_label("Disagree: record a different grade").check()
            section.get_by_label("Your grade for Achievement (if you disagree)").select_option(label="Urgent improvement")
            section.get_by_label("Reason").fill("Over-optimistic: outcomes fell.")
        else:
            section.get_by_label("Agree", exact=True).check()
        section.get_by_role("button").click()
        expect(section.get_by_role("status")).to_contain_text("Saved")
    adviser_page.get_by_label("Overall summary for the school").fill("Accurate apart from achievement.")
    adviser_page.get_by_role("button", name="Mark as validated").click()
    expect(adviser_page.locator(".govuk-panel")).to_contain_text("Autumn 2026 self-evaluation validated")
    expect(adviser_page.locator("#area-achievement + dl")).to_contain_text("Urgent improvement")
    assert csp_violations == []
