"""In a real browser: the writer circulates minutes without saving first; the chair confirms them and sees the digest."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.minutes.models import MinutesStatus, MinutesVersion
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


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_writer_circulates_without_saving_and_loses_nothing(app, browser, portal_url, meeting, javascript):  # noqa: F811
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, portal_url, "adviser@example.org")
    page.goto(portal_url + meeting["base"])
    page.get_by_role("button", name="Write the minutes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes, version 1")

    page.get_by_label("Present").fill("Sarah Lewis, headteacher\nMargaret Dunn, chair of governors")
    page.get_by_label("Apologies").fill("Kwame Mensah")
    page.locator("#action_1").fill("Share the phonics tracker with governors")
    page.locator("#owner_name_1").fill("Jenny Holt")
    page.get_by_role("button", name="Circulate to members").click()  # nothing discussed or decided yet: refused

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Write the discussion, decisions or a summary before circulating")
    expect(summary).not_to_contain_text("Record who attended")
    expect(page.get_by_label("Present")).to_have_value("Sarah Lewis, headteacher\nMargaret Dunn, chair of governors")
    expect(page.get_by_label("Apologies")).to_have_value("Kwame Mensah")
    expect(page.locator("#action_1")).to_have_value("Share the phonics tracker with governors")
    expect(page.locator("#owner_name_1")).to_have_value("Jenny Holt")

    page.get_by_label("Decisions").fill("Keep the catch-up groups until February.")
    page.get_by_role("button", name="Circulate to members").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the minutes before you circulate them")
    expect(page.locator("main")).to_contain_text("Keep the catch-up groups until February.")
    expect(page.locator("main")).to_contain_text("Share the phonics tracker with governors")
    page.get_by_role("button", name="Circulate to members").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Minutes circulated")
    expect(page.locator("main")).to_contain_text("Awaiting confirmation")
    with app.app_context():
        version = db.session.scalar(db.select(MinutesVersion).where(MinutesVersion.meeting_id == meeting["id"]))
        assert version.status == MinutesStatus.CIRCULATED
        assert version.attendance.splitlines() == ["Sarah Lewis, headteacher", "Margaret Dunn, chair of governors"]
        assert version.apologies == "Kwame Mensah" and version.decisions == "Keep the catch-up groups until February."
        actions = [(a.description, a.owner_name) for a in version.actions]
        assert actions == [("Share the phonics tracker with governors", "Jenny Holt")]
    context.close()
