"""Subject access: the LA admin downloads everything the portal holds about one person, as a ZIP of JSON and files."""

import io
import json
import zipfile
from types import SimpleNamespace

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.evidence.rules import keep_uploaded_file
from portal.evidence.storage import storage_for
from portal.extensions import db
from portal.schools.models import School
from tests.test_minutes import _written, meeting  # noqa: F401 - the fixture

PDF = SimpleNamespace(mime_type="application/pdf", label="PDF")


def test_everything_held_about_a_person_and_nothing_secret(app, client, sign_in, world, meeting):
    head_id = meeting["people"]["head"]
    world.user("admin@example.org", is_la_admin=True)
    sign_in("head@example.org")  # an audit entry of their own
    _written(app, meeting, writer="head")  # minutes they wrote, with an action they own
    with app.app_context():
        stored = storage_for(app.config).save(io.BytesIO(b"%PDF-1.4 reading data"), max_bytes=10**6,
                                              display_name="reading data.pdf")
        keep_uploaded_file(db.session.get(School, meeting["school"]), db.session.get(User, head_id), stored, PDF,
                           "reading data.pdf")
        db.session.commit()
    sign_in("admin@example.org")
    response = client.post(f"/admin/users/{head_id}/subject-access")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"README.txt", "account.json", "school_role.json", "minutes_version.json", "minutes_action.json",
            "evidence_file.json", "audit_event.json"} <= names
    (account,) = json.loads(archive.read("account.json"))
    assert account["email"] == "head@example.org" and "password_hash" not in account
    assert "password" not in archive.read("account.json").decode()
    assert [row["role"] for row in json.loads(archive.read("school_role.json"))] == ["headteacher"]
    assert any(row["action"] == "auth.signed_in" for row in json.loads(archive.read("audit_event.json")))
    (upload,) = [name for name in names if name.startswith("files/")]
    assert upload.endswith("reading data.pdf") and archive.read(upload) == b"%PDF-1.4 reading data"
    assert "Margaret Dunn" not in archive.read("school_role.json").decode()  # other people's roles stay out
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.subject_access"))
        assert entry.record_id == head_id and entry.actor == "admin@example.org" and entry.changes["files"] == 1


def test_a_person_who_scheduled_meetings_exports_their_times(app, client, sign_in, world, meeting):
    """A meeting's start and end are times of day: they go into the JSON as text like every other value."""
    adviser_id = meeting["people"]["adviser"]
    world.user("admin@example.org", is_la_admin=True)
    with app.app_context():
        from portal.meetings.models import ReviewMeeting

        db.session.get(ReviewMeeting, meeting["id"]).created_by_id = adviser_id
        db.session.commit()
    sign_in("admin@example.org")
    response = client.post(f"/admin/users/{adviser_id}/subject-access")
    assert response.status_code == 200
    (held,) = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("review_meeting.json"))
    assert held["starts_at"] == "16:00:00" and held["ends_at"] == "17:00:00" and held["meets_on"] == "2026-10-14"
