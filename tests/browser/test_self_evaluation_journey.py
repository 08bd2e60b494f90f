"""In a real browser: a headteacher completes and submits a self-evaluation; the adviser validates it."""

import re

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


def _draft(app, world, phase="Primary"):
    """A headteacher's fresh draft; returns (edit page URL, evaluation id)."""
    school_id = world.school("Brookside Primary School", phase=phase)
    head_id = world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    with app.app_context():
        current, _ = build_demo_frameworks()
        db.session.flush()
        evaluation = rules.start(db.session.get(School, school_id), current.published_version,
                                 db.session.get(User, head_id), "Autumn 2026")
        db.session.commit()
        return f"/schools/{school_id}/self-evaluations/{evaluation.id}", evaluation.id


def _saved_areas(app, evaluation_id):
    from portal.self_evaluation.models import SelfEvaluation

    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        return {j.area.key: (j.grade.name if j.grade else None, j.strengths, j.areas_for_development) for j in evaluation.judgements}, \
            evaluation.safeguarding_met


def test_without_javascript_one_save_button_saves_every_area(app, browser, portal_url, world):
    path, evaluation_id = _draft(app, world)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, portal_url, "head@example.org")
    page.goto(portal_url + path + "/edit")
    inclusion, achievement, early_years = (page.locator(f"#area-{key}") for key in ("inclusion", "achievement", "early-years"))
    inclusion.get_by_label("Strong standard").check()
    inclusion.get_by_label("Strengths").fill("SEND reviews are thorough.")
    achievement.get_by_label("Strengths").fill("Writing improved in year 6.")
    early_years.get_by_label("Areas for development").fill("Outdoor learning.")
    page.locator("#safeguarding").get_by_label("Met", exact=True).check()
    inclusion.get_by_role("button", name="Save Inclusion").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Inclusion, Achievement, Early years and Safeguarding saved.")
    expect(page).to_have_url(portal_url + path + "/edit#area-inclusion")
    areas, safeguarding_met = _saved_areas(app, evaluation_id)
    assert areas["inclusion"] == ("Strong standard", "SEND reviews are thorough.", "")
    assert areas["achievement"] == (None, "Writing improved in year 6.", "")
    assert areas["early-years"] == (None, "", "Outdoor learning.")
    assert safeguarding_met is True
    page.reload()
    expect(page.locator("#area-achievement").get_by_label("Strengths")).to_have_value("Writing improved in year 6.")
    expect(page.locator("#area-early-years").get_by_label("Areas for development")).to_have_value("Outdoor learning.")
    context.close()


def test_with_javascript_each_area_still_saves_itself(app, browser, portal_url, world):
    path, evaluation_id = _draft(app, world)
    context = browser.new_context()
    page = context.new_page()
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(page, portal_url, "head@example.org")
    page.goto(portal_url + path + "/edit")
    inclusion = page.locator("#area-inclusion")
    inclusion.get_by_label("Expected standard").check()
    inclusion.get_by_label("Strengths").fill("Pupils with SEND are known well.")
    inclusion.get_by_label("Evidence relied on").click()  # leaving the field saves the area
    expect(inclusion.get_by_role("status")).to_contain_text("Saved")
    expect(inclusion.get_by_role("status")).to_contain_text("Sarah Lewis")
    expect(page).to_have_url(portal_url + path + "/edit")  # no page load: htmx saved it
    for _ in range(50):  # the grade and the words are two saves, one after the other
        if _saved_areas(app, evaluation_id)[0]["inclusion"][1]:
            break
        page.wait_for_timeout(100)
    assert _saved_areas(app, evaluation_id)[0]["inclusion"] == ("Expected standard", "Pupils with SEND are known well.", "")

    # The area's autosaves moved it on; a Save button pressed afterwards stands on them, with no false alarm.
    achievement = page.locator("#area-achievement")
    achievement.get_by_label("Strengths").fill("Reading at key stage 2.")
    achievement.get_by_label("Areas for development").click()  # leaving the field autosaves it first
    expect(achievement.get_by_role("status")).to_contain_text("Saved")
    achievement.get_by_role("button", name="Save Achievement").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(re.compile(r"Achievement saved|Everything on this page is saved"))
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    areas, _ = _saved_areas(app, evaluation_id)
    assert areas["inclusion"][1] == "Pupils with SEND are known well." and areas["achievement"][1] == "Reading at key stage 2."
    assert csp == []
    context.close()


def test_the_validation_summary_follows_what_is_saved(app, browser, portal_url, world):
    path, evaluation_id = _draft(app, world)
    from portal.self_evaluation.models import SelfEvaluation

    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        school_id = evaluation.school_id
        grade = evaluation.version.scale.grades[1]
        for judgement in evaluation.judgements:
            rules.save_judgement(judgement, None, grade_id=grade.id, strengths="Clear.", areas_for_development="Consistency.",
                                 evidence="", revision=judgement.revision)
        rules.save_safeguarding(evaluation, met=True, note="")
        rules.submit(evaluation, None)
        db.session.commit()
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, portal_url, "adviser@example.org")
    page.goto(portal_url + path + "/validate")
    page.get_by_label("Overall summary for the school").fill("Accurate.")
    page.get_by_role("button", name="Mark as validated").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_count(7)

    inclusion = page.locator("#area-inclusion")
    inclusion.get_by_label("Agree", exact=True).check()
    inclusion.get_by_role("button").click()
    expect(inclusion.get_by_role("status")).to_contain_text("Saved")
    expect(summary.get_by_role("link")).to_have_count(6)  # recomputed from what is saved, without a page load
    expect(summary).not_to_contain_text("Inclusion")
    expect(page.locator("#adviser-progress")).to_contain_text("1 of 7 areas")

    page.get_by_role("button", name="Agree with every remaining grade").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You agree with the school's grade for Curriculum and teaching")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    page.get_by_label("Overall summary for the school").fill("Accurate.")
    page.get_by_role("button", name="Mark as validated").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Autumn 2026 self-evaluation validated")
    context.close()
