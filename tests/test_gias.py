"""Importing schools from a GIAS establishment CSV (Windows-1252, 139 columns)."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from portal import clock
from portal.audit import AuditEvent
from portal.extensions import db
from portal.schools.gias import GiasImportError, import_schools
from portal.schools.models import LocalAuthority, School
from tests.conftest import text_of

# The real export's first columns, in the DfE order, plus the ones we read further along.
HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)", "EstablishmentStatus (code)",
    "EstablishmentStatus (name)", "PhaseOfEducation (code)", "PhaseOfEducation (name)",
    "OfstedRating (name)", "OfstedLastInsp", "HeadTitle (name)", "HeadFirstName", "HeadLastName",
]


def gias_row(urn, name, *, la="870", la_name="Reading", status="Open", phase="Primary",
             kind="Community school", ofsted="", inspected="", head=("Tom", "Hughes")):
    return {
        "URN": str(urn), "LA (code)": la, "LA (name)": la_name, "EstablishmentNumber": "1234",
        "EstablishmentName": name, "TypeOfEstablishment (code)": "1", "TypeOfEstablishment (name)": kind,
        "EstablishmentStatus (code)": "1", "EstablishmentStatus (name)": status, "PhaseOfEducation (code)": "2",
        "PhaseOfEducation (name)": phase, "OfstedRating (name)": ofsted, "OfstedLastInsp": inspected,
        "HeadTitle (name)": "Mr", "HeadFirstName": head[0], "HeadLastName": head[1],
    }


def gias_file(rows, encoding="cp1252", header=HEADER):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


GOOD = [
    gias_row(109061, "Abbey’s Mead Catholic Primary School", ofsted="", inspected="10-09-2020"),
    gias_row(109215, "Brookside Primary School", ofsted="Requires improvement", inspected="20-02-2023"),
    gias_row(109387, "Wren & Hawthorn Nursery School", status="Open, but proposed to close", phase="Nursery"),
    gias_row(109077, "Castle Vale Primary School", status="Closed"),
    gias_row(109244, "Bishop Walsh Primary School", status="Proposed to open"),
    gias_row(110110, "Willowbrook High School", la="330", la_name="Birmingham", phase="Secondary"),
]


def test_imports_open_schools_of_one_la(ctx):
    result = import_schools(gias_file(GOOD), "870")
    db.session.commit()
    schools = {s.urn: s for s in db.session.scalars(select(School))}
    assert set(schools) == {109061, 109215, 109387}
    assert schools[109061].name == "Abbey’s Mead Catholic Primary School"  # Windows-1252 apostrophe
    assert schools[109215].ofsted_grade == "Requires improvement"
    assert schools[109215].ofsted_inspected_on.isoformat() == "2023-02-20"
    assert schools[109061].ofsted_grade is None
    assert schools[109387].status == "Open, but proposed to close" and schools[109387].phase == "Nursery"
    assert schools[109215].head_name == "Tom Hughes"
    assert db.session.scalar(select(LocalAuthority.name).where(LocalAuthority.code == "870")) == "Reading"
    assert len(result.created) == 3 and result.skipped == 2


def test_reimport_updates_rather_than_duplicates(ctx):
    import_schools(gias_file(GOOD), "870")
    db.session.commit()
    changed = [dict(r) for r in GOOD]
    changed[1]["EstablishmentName"] = "Brookside Community Primary School"
    changed[0]["EstablishmentStatus (name)"] = "Closed"
    result = import_schools(gias_file(changed), "870")
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(School)) == 3
    assert db.session.scalar(select(School.name).where(School.urn == 109215)) == "Brookside Community Primary School"
    closed = db.session.scalar(select(School).where(School.urn == 109061))
    assert closed.status == "Closed" and closed.active is False
    assert result.updated == [109215] and result.closed == [109061] and result.unchanged == 1


def test_a_closed_school_keeps_the_day_it_closed(ctx):
    """Retention counts from it: GIAS's CloseDate when the extract has it, else the import that found it closed."""
    import_schools(gias_file(GOOD), "870")
    db.session.commit()
    rows = [dict(r) for r in GOOD]
    rows[0]["EstablishmentStatus (name)"] = rows[1]["EstablishmentStatus (name)"] = "Closed"
    rows[0]["CloseDate"], rows[1]["CloseDate"] = "31-08-2026", ""
    import_schools(gias_file(rows, header=HEADER + ["CloseDate"]), "870")
    db.session.commit()
    closed_on = dict(db.session.execute(select(School.urn, School.closed_on)).all())
    assert closed_on == {109061: date(2026, 8, 31), 109215: clock.today(), 109387: None}
    import_schools(gias_file(GOOD), "870")  # open again
    db.session.commit()
    assert db.session.scalar(select(School.closed_on).where(School.urn == 109061)) is None


def test_utf8_copy_is_accepted(ctx):
    import_schools(gias_file(GOOD, encoding="utf-8-sig"), "870")
    assert db.session.scalar(select(School.name).where(School.urn == 109061)) == "Abbey’s Mead Catholic Primary School"


@pytest.mark.parametrize(
    "rows, message",
    [
        ([gias_row(109061, "Good School"), gias_row("12A4", "Bad URN School")], "Row 3: URN '12A4' is not a number"),
        ([gias_row(109061, "Good School"), gias_row(109062, "Bad Date", inspected="31-02-2020")],
         "Row 3: OfstedLastInsp '31-02-2020' is not a date in the form dd-mm-yyyy"),
        ([gias_row(109061, "Good School"), gias_row(109061, "Twice")], "Row 3: URN 109061 is also on row 2"),
        ([gias_row(109061, "")], "Row 2: EstablishmentName is blank"),
        ([gias_row(109061, "Elsewhere", la="330")], "There are no establishments with LA code 870"),
    ],
)
def test_bad_rows_name_the_row_and_import_nothing(ctx, rows, message):
    with pytest.raises(GiasImportError) as problem:
        import_schools(gias_file(rows), "870")
    assert message in str(problem.value)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(School)) == 0


def test_missing_columns_and_wrong_encoding(ctx):
    with pytest.raises(GiasImportError, match="missing the columns? .*OfstedLastInsp"):
        import_schools(gias_file(GOOD, header=[h for h in HEADER if h != "OfstedLastInsp"]), "870")
    with pytest.raises(GiasImportError, match="not a CSV text file"):
        import_schools(gias_file(GOOD, encoding="utf-16"), "870")
    short_row = gias_file(GOOD[:1]) + b"109999,870,Reading\r\n"
    with pytest.raises(GiasImportError, match="Row 3: has 3 columns but the header has 16"):
        import_schools(short_row, "870")


def test_import_through_the_page(client, world, sign_in):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    response = client.post(
        "/admin/schools/import",
        data={"la_code": "870", "gias_file": (io.BytesIO(gias_file(GOOD)), "edubase.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Import finished: 3 schools added" in page and "Brookside Primary School" in page


def test_bad_file_through_the_page_keeps_the_la_code_and_explains(client, app, world, sign_in):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    bad = gias_file([gias_row(109061, "Good School"), gias_row("x1", "Bad")])
    response = client.post(
        "/admin/schools/import",
        data={"la_code": "870", "gias_file": (io.BytesIO(bad), "edubase.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and "Row 3: URN 'x1' is not a number" in page
    assert 'value="870"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(School)) == 0


def test_import_is_audited(ctx):
    import_schools(gias_file(GOOD), "870")
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("school.created") == 3
    assert "gias.imported" in actions


def test_the_shared_sample_imports(ctx):
    """The invented extract in the real export's shape, when it is beside the checkout."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "shared" / "data" / "gias-sample.csv"
    if not sample.exists():
        pytest.skip("no shared GIAS sample beside this checkout")
    result = import_schools(sample.read_bytes(), "870")
    db.session.commit()
    statuses = set(db.session.scalars(select(School.status)))
    assert statuses <= {"Open", "Open, but proposed to close"}
    assert len(result.created) == db.session.scalar(select(db.func.count()).select_from(School)) > 5


def test_official_sixth_form_is_read_when_the_column_is_there(ctx):
    header = HEADER + ["OfficialSixthForm (name)"]
    rows = [{**gias_row(111001, "Oakfield High School", phase="Secondary"), "OfficialSixthForm (name)": "Does not have a sixth form"},
            {**gias_row(111002, "Castlefield Academy", phase="Secondary"), "OfficialSixthForm (name)": "Has a sixth form"},
            {**gias_row(111003, "Brookside Primary School"), "OfficialSixthForm (name)": "Not applicable"}]
    import_schools(gias_file(rows, header=header), "870")
    db.session.commit()
    found = {s.urn: s.has_sixth_form for s in db.session.scalars(select(School))}
    assert found == {111001: False, 111002: True, 111003: None}
    import_schools(gias_file(rows), "870")  # an extract without the column leaves what is known
    db.session.commit()
    assert db.session.scalar(select(School.has_sixth_form).where(School.urn == 111001)) is False


def test_statutory_age_range_is_read_when_the_columns_are_there(ctx):
    header = HEADER + ["StatutoryLowAge", "StatutoryHighAge"]
    rows = [{**gias_row(111001, "Hillside Junior School"), "StatutoryLowAge": "7", "StatutoryHighAge": "11"},
            {**gias_row(111002, "Meadow Infant School"), "StatutoryLowAge": "4", "StatutoryHighAge": "7"},
            {**gias_row(111003, "Oakfield High School", phase="Secondary"), "StatutoryLowAge": "11", "StatutoryHighAge": "16"},
            {**gias_row(111004, "New Free School"), "StatutoryLowAge": "", "StatutoryHighAge": ""}]
    import_schools(gias_file(rows, header=header), "870")
    db.session.commit()
    found = {s.urn: (s.statutory_low_age, s.statutory_high_age) for s in db.session.scalars(select(School))}
    assert found == {111001: (7, 11), 111002: (4, 7), 111003: (11, 16), 111004: (None, None)}
    import_schools(gias_file(rows), "870")  # an extract without the columns leaves what is known
    db.session.commit()
    assert db.session.scalar(select(School.statutory_low_age).where(School.urn == 111001)) == 7


def test_the_shared_sample_brings_its_age_ranges(ctx):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "shared" / "data" / "gias-sample.csv"
    if not sample.exists():
        pytest.skip("no shared GIAS sample beside this checkout")
    import_schools(sample.read_bytes(), "870")
    ages = {s.urn: (s.statutory_low_age, s.statutory_high_age) for s in db.session.scalars(select(School))}
    assert ages[109215] == (4, 11) and ages[109387] == (2, 5) and ages[109239] == (11, 18)


def test_an_age_that_is_not_a_number_stops_the_import(ctx):
    header = HEADER + ["StatutoryLowAge", "StatutoryHighAge"]
    rows = [{**gias_row(111001, "Good School"), "StatutoryLowAge": "4", "StatutoryHighAge": "11"},
            {**gias_row(111002, "Bad School"), "StatutoryLowAge": "four", "StatutoryHighAge": "11"}]
    with pytest.raises(GiasImportError, match="Row 3: StatutoryLowAge 'four' is not an age in whole years"):
        import_schools(gias_file(rows, header=header), "870")
