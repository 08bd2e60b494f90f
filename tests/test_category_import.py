"""Importing school-level figures from a spreadsheet: map, preview, import all or nothing, remember the mapping."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.categories.models import DataImport, SchoolFigure
from portal.extensions import db
from portal.schools.models import Role
from tests.categories_helpers import build_scheme
from tests.conftest import text_of


@pytest.fixture
def setting(app, world):
    first = world.school("Alder Primary", urn=111111)
    second = world.school("Birch Academy", urn=222222)
    world.user("admin@example.org", is_la_admin=True)
    world.user("head@example.org", roles=[(first, Role.HEADTEACHER)])
    with app.app_context():
        version = build_scheme()
        db.session.commit()
        outcomes = next(i for i in version.indicators if i.name == "Pupil outcomes")
        return {"first": first, "second": second, "key": outcomes.key}


def _csv(rows, encoding="utf-8"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def _xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, content, filename="figures.csv"):
    return client.post("/categories/figures/import", data={"spreadsheet": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _figures(app):
    with app.app_context():
        return {(f.school_id, f.indicator_key): f.value for f in db.session.scalars(select(SchoolFigure))}


GOOD = [["URN", "School", "KS2 expected %"], ["111111", "Alder", "58.5"], ["222222", "Birch", "71%"]]


@pytest.mark.parametrize("maker,filename", [(_csv, "figures.csv"), (_xlsx, "figures.xlsx")])
def test_upload_map_preview_and_import(app, client, sign_in, setting, maker, filename):
    sign_in("admin@example.org")
    response = _upload(client, maker(GOOD), filename)
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url)
    assert 'value="URN" selected' in page.get_data(as_text=True)  # the URN column is found by its heading
    choices = {"urn_column": "URN", "column_0": "", "column_1": "", "column_2": setting["key"]}
    preview = text_of(client.post(mapping_url, data=choices | {"preview": "y"}))
    assert "2 figures for 2 schools" in preview and "58.5" in preview and "71" in preview
    assert _figures(app) == {}  # a preview changes nothing
    done = client.post(mapping_url, data=choices | {"confirm": "y"}, follow_redirects=True)
    assert "Imported 2 figures for 2 schools" in text_of(done)
    assert _figures(app) == {(setting["first"], setting["key"]): 58.5, (setting["second"], setting["key"]): 71.0}
    # The mapping is remembered for the next file with the same headings.
    again = client.get(_upload(client, maker(GOOD), filename).headers["Location"]).get_data(as_text=True)
    assert f'value="{setting["key"]}" selected' in again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DataImport)) == 1


def test_rows_matching_no_school_are_listed_and_need_a_decision(app, client, sign_in, setting):
    sign_in("admin@example.org")
    url = _upload(client, _csv(GOOD + [["999999", "Elsewhere", "40"]])).headers["Location"]
    choices = {"urn_column": "URN", "column_2": setting["key"]}
    refused = text_of(client.post(url, data=choices | {"confirm": "y"}))
    assert "1 row(s) match no school" in refused and "999999" in refused
    assert _figures(app) == {}
    client.post(url, data=choices | {"confirm": "y", "leave_out_unmatched": "y"})
    assert len(_figures(app)) == 2


@pytest.mark.parametrize("content,filename,message", [
    (_csv([["URN", "KS2 expected %"], ["111111", "Café 50"]], "cp1252"), "figures.csv", "CSV UTF-8"),
    (b"not a workbook at all", "figures.xlsx", "Excel"),
    (b"a,b\n", "figures.txt", ".csv"),
])
def test_files_that_cannot_be_read_are_refused_at_upload(client, sign_in, setting, content, filename, message):
    sign_in("admin@example.org")
    response = _upload(client, content, filename)
    assert response.status_code == 200 and "There is a problem" in text_of(response) and message in text_of(response)


@pytest.mark.parametrize("rows,choices,message", [
    ([["School", "KS2 expected %"], ["Alder", "50"]], {"urn_column": "School"}, "URN"),
    ([["URN", "KS2 expected %"], ["111111", "50"], ["111111", "52"]], {"urn_column": "URN"}, "also on row 2"),
    ([["URN", "KS2 expected %"], ["111111", "50"], ["222222", "52 pupils"]], {"urn_column": "URN"},
     "Row 3, column &#34;KS2 expected %&#34;: &#34;52 pupils&#34; is not a number"),
])
def test_bad_figures_are_refused_naming_row_and_column_and_nothing_changes(app, client, sign_in, setting, rows, choices,
                                                                           message):
    sign_in("admin@example.org")
    url = _upload(client, _csv(rows)).headers["Location"]
    data = choices | {"column_1": setting["key"], "confirm": "y"}
    response = client.post(url, data=data)
    assert message in text_of(response) and "There is a problem" in text_of(response)
    assert f'value="{setting["key"]}" selected' in response.get_data(as_text=True)  # the choices are kept
    assert _figures(app) == {}


def test_a_huge_file_is_refused(client, sign_in, setting):
    sign_in("admin@example.org")
    rows = [["URN", "KS2 expected %"]] + [[str(100000 + n), "50"] for n in range(100_000)]
    response = _upload(client, _csv(rows))
    assert response.status_code == 200 and "20,000" in text_of(response)


def test_only_the_la_admin_imports(client, sign_in, setting):
    sign_in("head@example.org")
    assert _upload(client, _csv(GOOD)).status_code == 403
