"""In a real browser: the LA admin filters the overview to schools in the red category and downloads the XLSX."""

import io
import re

import openpyxl
from playwright.sync_api import expect

from portal import clock
from portal.categories import rules
from portal.extensions import db
from portal.schools.models import School
from tests.browser.test_categorisation import _person
from tests.categories_helpers import build_scheme, decide


def test_the_la_admin_filters_to_red_schools_and_downloads_them(app, browser, portal_url, world):
    names = ["Alder Primary", "Birch Academy", "Cedar Infant", "Damson Junior"]
    ids = [world.school(name) for name in names]
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    with app.app_context():
        build_scheme()
        autumn = rules.start_round(name="Autumn", opens_on=clock.today(), proposals_due_on=clock.today())
        for school_id, category in zip(ids, ["Concern", "Steady", "Concern", "Watch"]):
            decide(autumn, db.session.get(School, school_id), None, None, category)
        rules.publish_round(autumn, None, clock.today())
        db.session.commit()

    context, page = _person(browser, portal_url, "admin@example.org", accept_downloads=True)
    page.goto(portal_url + "/")
    table = page.locator("#overview-rows")
    expect(table).to_contain_text("4 of 4 schools shown")
    page.evaluate("() => { window.stillTheSamePage = true }")
    page.get_by_label("Category").select_option(label="3: Concern")  # htmx filters in place
    expect(table).to_contain_text("2 of 4 schools shown")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).not_to_contain_text("Birch Academy")
    assert page.evaluate("() => window.stillTheSamePage") is True
    expect(page).to_have_url(re.compile(r"category=3"))
    with page.expect_download() as download:
        table.get_by_role("link", name="Excel (XLSX)").click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][0] == "Filters: Category: 3: Concern"
    assert sorted(row[0] for row in values[5:]) == ["Alder Primary", "Cedar Infant"]
    context.close()
