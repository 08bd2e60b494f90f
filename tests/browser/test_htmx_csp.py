"""In a real browser: htmx requests on the portal's pages break no rule of the Content-Security-Policy.

Chromium reports a violation twice: on the console (the ``csp_violations`` fixture) and as a
``securitypolicyviolation`` event, which is kept here too so a report cannot slip past in a message's wording.
"""

from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.frameworks.ready_made import build_demo_frameworks
from portal.schools.models import Role, School
from portal.self_evaluation import rules
from tests.browser.test_self_evaluation_journey import _sign_in

# Installed before any page script runs: every CSP violation the page sees, as "directive: where".
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective}: ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _violations(page, csp_violations):
    return csp_violations + page.evaluate("() => window.cspViolations")


def _draft_self_evaluation(app, world):
    """A headteacher's draft self-evaluation: its edit page saves each area through htmx when a field changes."""
    school_id = world.school("Brookside Primary School", phase="Primary")
    head_id = world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    with app.app_context():
        current, _ = build_demo_frameworks()
        db.session.flush()
        evaluation = rules.start(db.session.get(School, school_id), current.published_version, db.session.get(User, head_id),
                                 "Autumn 2026")
        db.session.commit()
        return f"/schools/{school_id}/self-evaluations/{evaluation.id}/edit"


def test_htmx_saves_and_searches_log_no_csp_violation(app, page, portal_url, world, csp_violations):
    edit_url = _draft_self_evaluation(app, world)
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    world.user("priya@example.org", "Priya Shah")
    page.add_init_script(WATCH_VIOLATIONS)

    _sign_in(page, portal_url, "head@example.org")
    page.goto(portal_url + edit_url)
    achievement = page.locator("#area-achievement")
    with page.expect_response(lambda response: response.request.method == "POST" and response.request.headers.get("hx-request")):
        achievement.get_by_label("Needs attention").check()  # htmx posts the area on change
    expect(achievement.get_by_role("status")).to_contain_text("Saved")
    with page.expect_response(lambda response: response.request.method == "POST" and response.request.headers.get("hx-request")):
        achievement.get_by_label("Strengths").fill("Writing improved in year 6.")
        achievement.get_by_label("Areas for development").click()  # leaving the field saves it
    expect(achievement.get_by_role("status")).to_contain_text("Sarah Lewis")
    assert page.evaluate("() => document.querySelectorAll('style').length") == 0  # htmx added no inline <style>
    assert _violations(page, csp_violations) == []

    page.context.clear_cookies()  # now the LA admin, in the same tab
    _sign_in(page, portal_url, "admin@example.org")
    page.goto(portal_url + "/admin/users")
    with page.expect_response(lambda response: response.request.headers.get("hx-request") and "q=priya" in response.url):
        page.get_by_label("Search by name or email address").fill("priya")  # htmx fetches the rows as you type
    expect(page.locator("#user-rows")).to_contain_text("Priya Shah")
    expect(page.locator("#user-rows")).not_to_contain_text("Alex Morgan")
    assert _violations(page, csp_violations) == []


def test_htmx_settles_swapped_content_without_writing_a_style_attribute(app, page, portal_url, world, csp_violations):
    """A script or a browser extension may set an element's style (allowed: it is not markup). When htmx swaps in a
    new element with the same id it copies the settling attributes across with setAttribute, which the policy
    refuses for style: the config leaves style out of what it settles."""
    edit_url = _draft_self_evaluation(app, world)
    page.add_init_script(WATCH_VIOLATIONS)
    _sign_in(page, portal_url, "head@example.org")
    page.goto(portal_url + edit_url)
    achievement = page.locator("#area-achievement")
    achievement.get_by_role("status").evaluate("element => { element.style.outline = '1px solid transparent' }")
    achievement.get_by_label("Needs attention").check()
    expect(achievement.get_by_role("status")).to_contain_text("Saved")
    page.wait_for_timeout(100)  # htmx settles 20ms after the swap
    assert _violations(page, csp_violations) == []


def test_the_request_indicator_is_styled_from_the_portal_stylesheet(app, page, portal_url, world, csp_violations):
    """htmx does not insert its indicator styles (the policy would refuse them): the portal's CSS hides an indicator
    until its element is making a request."""
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    _sign_in(page, portal_url, "admin@example.org")
    page.goto(portal_url + "/admin/users")
    config = page.evaluate("() => htmx.config")
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False and "style" not in config["attributesToSettle"]
    visibility = page.evaluate("""() => {
        const form = document.querySelector("form[role=search]");
        const indicator = document.createElement("span");
        indicator.className = "htmx-indicator";
        indicator.textContent = "Searching";
        form.append(indicator);
        const idle = getComputedStyle(indicator).visibility;
        form.classList.add("htmx-request");
        const busy = getComputedStyle(indicator).visibility;
        return [idle, busy];
    }""")
    assert visibility == ["hidden", "visible"]
    assert csp_violations == []
