"""Retention (portal/retention): the LA sets how long files are kept; `flask retention --dry-run` says what would go
and why; a real run removes the bytes and leaves a record, and every page that named the file says it was removed."""

import io
from datetime import date

from sqlalchemy import func, select

from portal.admin.subject_access import subject_access_zip
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.backup import referenced_files
from portal.evidence.models import EvidenceFile
from portal.evidence.storage import storage_for
from portal.extensions import db
from portal.meetings.models import ReviewMeeting
from portal.minutes.models import MinutesVersion
from portal.retention import rules
from portal.retention.models import RemovedFile, RetentionSettings
from portal.schools.gias import import_schools
from portal.schools.models import School
from tests.conftest import text_of
from tests.test_backup import _confirmed_with_document
from tests.test_evidence import PDF, _post, school  # noqa: F401 - the fixture
from tests.test_gias import HEADER, gias_file, gias_row
from tests.test_minutes import meeting  # noqa: F401 - the fixture

SIX_YEARS_LATER = "2032-11-25T12:00:00+00:00"  # the suite uploads on 25 November 2026 at 10:00
THE_DAY_AFTER = "2032-11-26T09:00:00+00:00"


def test_years_are_counted_back_whole_and_29_february_becomes_28th():
    assert rules.years_before(date(2032, 11, 26), 6) == date(2026, 11, 26)
    assert rules.years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)


def test_the_settings_page_refuses_bad_periods_keeping_what_was_typed(app, client, sign_in, world):
    world.user("la@example.org", is_la_admin=True)
    sign_in("la@example.org")
    page = client.get("/admin/retention/")
    assert "No retention periods have been saved yet" in text_of(page)
    refused = client.post("/admin/retention/", data={"evidence_file_years": "0", "closed_school_years": "seven"})
    shown = text_of(refused)
    assert refused.status_code == 200 and "There is a problem" in shown
    assert "Enter a whole number of years from 1 to 50" in shown
    assert 'value="0"' in refused.get_data(as_text=True) and 'value="seven"' in refused.get_data(as_text=True)
    saved = client.post("/admin/retention/", data={"evidence_file_years": "6", "closed_school_years": "7"})
    assert saved.status_code == 302
    with app.app_context():
        settings = db.session.scalar(select(RetentionSettings))
        assert (settings.evidence_file_years, settings.closed_school_years) == (6, 7)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "retention_settings")) is not None
    assert "No retention periods have been saved yet" not in text_of(client.get("/admin/retention/"))


def _one_evidence_file(app, client, sign_in, school):
    sign_in("head@example.org")
    assert _post(client, school, [("reading.pdf", PDF)]).status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(EvidenceFile))
        return stored.id, stored.version.item_id, stored.storage_key


def test_a_file_goes_the_day_after_its_period_and_the_record_says_so(app, client, sign_in, world, school, travel):
    file_id, item_id, key = _one_evidence_file(app, client, sign_in, school)
    world.user("la@example.org", is_la_admin=True)
    runner = app.test_cli_runner()

    travel(SIX_YEARS_LATER)
    assert "0 files" in runner.invoke(args=["retention", "--dry-run"]).output

    travel(THE_DAY_AFTER)
    dry_run = runner.invoke(args=["retention", "--dry-run"])
    assert dry_run.exit_code == 0, dry_run.output
    assert "reading.pdf" in dry_run.output and "Uploaded on 25 November 2026" in dry_run.output
    assert "1 files" in dry_run.output and "nothing was removed" in dry_run.output
    assert "has not set its retention periods yet" in dry_run.output
    refused = runner.invoke(args=["retention"])
    assert refused.exit_code != 0 and "an LA admin must first set the retention periods" in refused.output
    with app.app_context():
        assert storage_for(app.config).exists(key)

    sign_in("la@example.org")
    preview = text_of(client.get("/admin/retention/"))
    assert "1 file" in preview and "reading.pdf" in preview and "Brookside Primary School" in preview
    assert client.post("/admin/retention/", data={"evidence_file_years": "6", "closed_school_years": "6"}).status_code == 302

    run = runner.invoke(args=["retention"])
    assert run.exit_code == 0, run.output
    assert "Removed 1 files" in run.output
    with app.app_context():
        assert not storage_for(app.config).exists(key)
        stored = db.session.get(EvidenceFile, file_id)
        assert stored.removed_at is not None and stored.sha256 and stored.display_name == "reading.pdf"
        removal = db.session.scalar(select(RemovedFile).where(RemovedFile.storage_key == key))
        assert removal.belonged_to == "evidence" and removal.size == len(PDF) and "6 years after upload" in removal.reason
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.removed"))
        assert event.actor == "cli:retention" and event.changes["files"] == 1
        assert key not in referenced_files(db.session)  # a backup does not look for it

    shown = text_of(client.get("/admin/retention/"))
    assert "Nothing: every stored file is within its retention period" in shown and "reading.pdf" in shown

    sign_in("head@example.org")
    evidence_page = text_of(client.get(f"/schools/{school['id']}/evidence/{item_id}"))
    assert "reading.pdf Removed 26 November 2032" in evidence_page
    gone = client.get(f"/schools/{school['id']}/evidence/{item_id}/files/{file_id}")
    assert gone.status_code == 410
    assert "removed on 26 November 2032 under the local authority's retention rules" in text_of(gone)
    assert "Uploaded on 25 November 2026" in text_of(gone)

    again = runner.invoke(args=["retention"])
    assert "Removed 0 files" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RemovedFile)) == 1


def test_a_subject_access_export_leaves_out_removed_files(app, client, sign_in, school, travel):
    file_id, _, key = _one_evidence_file(app, client, sign_in, school)
    travel(THE_DAY_AFTER)
    with app.app_context():
        rules.save_settings(evidence_file_years=6, closed_school_years=6)
        db.session.commit()
        rules.remove(rules.files_due(date(2032, 11, 26), rules.settings()), storage_for(app.config), date(2032, 11, 26))
        head = db.session.scalar(select(User).where(User.email == "head@example.org"))
        assert db.session.get(EvidenceFile, file_id).uploaded_by_id == head.id
        totals = subject_access_zip(head, storage_for(app.config), io.BytesIO())
        assert totals["files"] == 0


def _close_by_gias(school_id, closed_on="31-08-2027"):
    school = db.session.get(School, school_id)
    row = {**gias_row(school.urn, school.name, status="Closed"), "CloseDate": closed_on}
    import_schools(gias_file([row], header=HEADER + ["CloseDate"]), "870")
    db.session.commit()


def test_a_closed_schools_papers_go_and_confirmed_minutes_still_check(app, client, sign_in, meeting, travel):
    digest = _confirmed_with_document(app, meeting)
    with app.app_context():
        held = db.session.get(ReviewMeeting, meeting["id"])
        agenda = storage_for(app.config).save(io.BytesIO(b"%PDF-1.4 agenda"), max_bytes=10**6, display_name="agenda.pdf")
        held.agenda_document_name, held.agenda_document_key, held.agenda_document_sha256 = "agenda.pdf", agenda.key, agenda.sha256
        version = db.session.scalar(select(MinutesVersion))
        version_id, minutes_key = version.id, version.document_key
        db.session.commit()
        _close_by_gias(meeting["school"])
        assert db.session.get(School, meeting["school"]).closed_on == date(2027, 8, 31)
        rules.save_settings(evidence_file_years=20, closed_school_years=5)
        db.session.commit()

    travel("2032-08-31T12:00:00+01:00")
    assert "0 files" in app.test_cli_runner().invoke(args=["retention", "--dry-run"]).output
    travel("2032-09-01T12:00:00+01:00")
    run = app.test_cli_runner().invoke(args=["retention"])
    assert run.exit_code == 0 and "Removed 2 files" in run.output, run.output
    assert "closed on 31 August 2027" in run.output
    with app.app_context():
        assert not storage_for(app.config).exists(minutes_key) and not storage_for(app.config).exists(agenda.key)
        assert {r.belonged_to for r in db.session.scalars(select(RemovedFile))} == {"agenda", "minutes"}
        assert db.session.get(MinutesVersion, version_id).digest == digest

    sign_in("chair@example.org")
    base = meeting["base"]
    minutes_page = text_of(client.get(base))
    assert "Removed under the local authority's retention rules" in minutes_page
    assert "Checked now: the stored minutes still match this digest" in minutes_page
    assert "no longer match" not in minutes_page
    assert client.get(f"{base}/{version_id}/document").status_code == 410
    assert client.get(f"/schools/{meeting['school']}/meetings/{meeting['id']}/agenda/document").status_code == 410
    with app.app_context():  # a removal on purpose is not reported as a changed record
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action.in_(["minutes.mismatch_found",
                                                               "minutes.document_refused"]))) == 0


def test_an_open_school_keeps_its_papers_and_a_reopened_school_is_not_closed(app, meeting):
    with app.app_context():
        _close_by_gias(meeting["school"])
        school = db.session.get(School, meeting["school"])
        row = gias_row(school.urn, school.name)
        import_schools(gias_file([row]), "870")
        db.session.commit()
        assert db.session.get(School, meeting["school"]).closed_on is None
        assert rules.files_due(date(2040, 1, 1), RetentionSettings(evidence_file_years=50, closed_school_years=1)) == []
