"""In a real browser: the adviser writes notes of visit and issues them after a confirmation step; the headteacher
marks a passage inaccurate; the adviser accepts the correction and both versions stay readable."""

from playwright.sync_api import expect

from tests.browser.test_meetings_journey import _sign_in
from tests.test_visits import _visit
from tests.test_visits import school  # noqa: F401 (the fixture, shared)


def test_adviser_issues_notes_and_the_head_marks_a_passage_inaccurate(app, browser, portal_url, school):  # noqa: F811
    visit_id = _visit(app, school, notes=False)
    base = f"{portal_url}/schools/{school['id']}/visits/{visit_id}"
    violations = []

    def new_page():  # a page of its own (its own cookies) for each person
        page = browser.new_page()
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
        return page

    page = new_page()
    _sign_in(page, portal_url, "adviser@example.org")
    page.get_by_role("link", name="Notes of visit due").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the notes of visit")
    page.get_by_label("Summary").fill("Reading is improving across key stage 2.")
    page.get_by_label("What was seen").fill("Guided reading in years 5 and 6.")
    page.get_by_label("Strengths").fill("Pupils talk about books with enthusiasm.")
    page.get_by_label("Next step 1").fill("Share the reading tracker with governors")
    page.get_by_role("button", name="Save and go to issue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Notes saved")
    # Issuing cannot be undone: a confirmation step says what will happen, and shows the notes as they will be issued.
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue the notes of visit")
    expect(page.get_by_role("main")).to_contain_text("fixed as version 1")
    expect(page.get_by_role("main")).to_contain_text("Sarah Lewis is emailed")
    expect(page.get_by_role("main")).to_contain_text("Pupils talk about books with enthusiasm.")
    page.get_by_role("link", name="Go back and change the notes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the notes of visit")
    page.get_by_role("link", name="Back to the visit").click()
    page.get_by_role("link", name="Issue the notes", exact=True).click()
    page.get_by_role("button", name="Issue the notes to the school").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Notes issued to Sarah Lewis")

    page = new_page()
    _sign_in(page, portal_url, "head@example.org")
    page.get_by_role("link", name="Check the notes of visit for accuracy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the notes for accuracy")
    verdict = page.get_by_role("group", name="Are these notes factually accurate?")  # the question is the radios' legend
    verdict.get_by_label("No, some passages are inaccurate").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write a correction for at least one passage")
    passage = page.locator(".portal-passage", has_text="Guided reading in years 5 and 6.")
    passage.get_by_label("Your correction").fill("Guided reading in years 4, 5 and 6.")
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your corrections have gone to the adviser")

    page = new_page()
    _sign_in(page, portal_url, "adviser@example.org")
    page.get_by_role("link", name="Corrections to consider").click()
    page.get_by_label("Accept the correction: the notes change (a new version)").check()
    page.get_by_role("button", name="Save and make the notes final").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("The notes are final")
    expect(page.get_by_role("main")).to_contain_text("Guided reading in years 4, 5 and 6.")
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("main")).to_contain_text("Guided reading in years 5 and 6.")
    page.goto(f"{base}/print")
    expect(page.get_by_role("heading", level=1)).to_contain_text("notes of the monitoring visit")
    assert violations == []
