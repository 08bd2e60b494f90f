"""In a real browser: the chair of governors confirms circulated minutes and sees the digest."""

from playwright.sync_api import expect

from tests.browser.test_meetings_journey import _sign_in
from tests.test_minutes import _written
from tests.test_minutes import meeting  # noqa: F401 (the fixture, shared)


def test_chair_confirms_minutes(app, browser, portal_url, meeting):  # noqa: F811
    _written(app, meeting)
    page = browser.new_page()
    _sign_in(page, portal_url, "chair@example.org")
    page.get_by_role("link", name="Confirm the minutes of Brookside Primary School's").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes")
    page.get_by_role("button", name="Confirm minutes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tick the box")
    page.get_by_label("These minutes are an accurate record of the meeting").check()
    page.get_by_role("button", name="Confirm minutes").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Confirmed as an accurate record by Margaret Dunn")
    expect(confirmation).to_contain_text("the stored minutes still match this digest")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Minutes confirmed")
