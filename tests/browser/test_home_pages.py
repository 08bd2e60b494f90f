"""A headteacher signs in in a real browser and sees their school's home page."""

from playwright.sync_api import expect

from portal.schools.models import Role
from tests.conftest import PASSWORD


def test_headteacher_signs_in_and_sees_their_school(page, portal_url, world, csp_violations):
    brookside = world.school("Brookside Primary School")
    world.school("Castlefield Academy", phase="Secondary")
    world.user("adviser@example.org", "Priya Shah", roles=[(brookside, Role.ADVISER)])
    world.user("head@example.org", "Sarah Lewis", roles=[(brookside, Role.HEADTEACHER)])

    page.goto(portal_url + "/")
    expect(page).to_have_url(portal_url + "/sign-in?next=%2F")
    page.get_by_label("Email address").fill("head@example.org")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your schools")
    expect(page.get_by_role("link", name="Brookside Primary School")).to_be_visible()
    expect(page.get_by_text("You are: Headteacher")).to_be_visible()
    expect(page.get_by_text("Castlefield Academy")).to_have_count(0)
    # GOV.UK Frontend's JavaScript ran (modules load under the CSP).
    expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")

    page.get_by_role("link", name="Brookside Primary School").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brookside Primary School")
    expect(page.get_by_text("Priya Shah")).to_be_visible()
    assert csp_violations == []


def test_wrong_password_shows_the_error_summary(page, portal_url, world):
    world.user("head@example.org")
    page.goto(portal_url + "/sign-in")
    page.get_by_label("Email address").fill("head@example.org")
    page.get_by_role("textbox", name="Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page.get_by_label("Email address")).to_have_value("head@example.org")
