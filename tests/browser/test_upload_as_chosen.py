"""In a real browser: files are sent as soon as they are chosen, refused ones are named at once, a kept one can be
taken off the form, and a file the page could not send stays chosen and goes with the form."""

from playwright.sync_api import expect

from tests.browser.test_evidence_journey import PDF
from tests.browser.test_meetings_journey import _sign_in
from tests.test_evidence import school  # noqa: F401  (the fixture: Brookside, its plan and a review to come)


def _start_evidence(page, portal_url, school_id):
    _sign_in(page, portal_url, "head@example.org")
    page.goto(f"{portal_url}/schools/{school_id}/evidence/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit evidence")
    page.get_by_label("Title").fill("Reading scores")
    page.get_by_label("85% reach the expected standard").check()


def test_chosen_files_are_kept_at_once_refused_ones_named_removed_ones_left_and_the_form_attaches_the_rest(
        app, page, portal_url, school, tmp_path, csp_violations):  # noqa: F811
    (tmp_path / "reading-scores.pdf").write_bytes(PDF)
    (tmp_path / "setup.pdf").write_bytes(b"MZ\x90\x00" + b"\x00" * 300)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _start_evidence(page, portal_url, school["id"])
    files = page.get_by_label("Files")
    kept = page.locator("[data-kept-files]")
    expect(kept).to_be_hidden()

    files.set_input_files(str(tmp_path / "reading-scores.pdf"))
    expect(kept).to_be_visible()
    expect(kept).to_contain_text("reading-scores.pdf (PDF")
    expect(files).to_have_value("")  # sent: nothing left to send with the form

    (tmp_path / "wrong file.pdf").write_bytes(PDF)
    files.set_input_files(str(tmp_path / "wrong file.pdf"))
    expect(kept).to_contain_text("wrong file.pdf (PDF")
    page.get_by_role("button", name="Remove wrong file.pdf").click()  # chosen by mistake: taken off the form
    expect(kept).not_to_contain_text("wrong file.pdf")

    files.set_input_files([str(tmp_path / "setup.pdf")])
    expect(page.locator(".govuk-form-group--error")).to_contain_text("setup.pdf")
    expect(kept).not_to_contain_text("setup.pdf")
    expect(files).to_have_value("")

    page.get_by_label("Title").fill("Reading scores, autumn")  # what was typed meanwhile is still there
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading scores, autumn")
    expect(page.get_by_role("link", name="reading-scores.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="setup.pdf")).to_have_count(0)
    expect(page.get_by_role("link", name="wrong file.pdf")).to_have_count(0)
    assert errors == [] and csp_violations == []


def test_a_file_the_page_could_not_send_goes_with_the_form(app, page, portal_url, school, tmp_path):  # noqa: F811
    (tmp_path / "attendance.pdf").write_bytes(PDF)
    _start_evidence(page, portal_url, school["id"])
    page.route("**/evidence/files", lambda route: route.abort())  # the connection drops
    page.get_by_label("Files").set_input_files(str(tmp_path / "attendance.pdf"))
    expect(page.get_by_role("button", name="Submit evidence")).to_be_enabled()
    expect(page.get_by_label("Files")).not_to_have_value("")  # still chosen
    expect(page.locator("[data-kept-files]")).to_be_hidden()
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading scores")
    expect(page.get_by_role("link", name="attendance.pdf")).to_be_visible()
