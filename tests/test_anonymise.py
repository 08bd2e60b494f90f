"""A person who has left is anonymised: who they were goes, what they took part in stays and still verifies."""

import json

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.minutes import rules as minutes_rules
from portal.minutes.models import MinutesVersion
from portal.schools.models import School, SchoolRole
from tests.conftest import PASSWORD, text_of
from tests.test_minutes import _written, meeting  # noqa: F401 - the fixture


def _confirmed_by_the_chair(app, meeting):
    version_id = _written(app, meeting)
    with app.app_context():
        version = db.session.get(MinutesVersion, version_id)
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        minutes_rules.confirm(version, held, db.session.get(User, meeting["people"]["chair"]))
        db.session.commit()
        return version_id, version.digest


def test_an_anonymised_governor_is_gone_and_the_minutes_they_confirmed_still_verify(app, client, sign_in, world, meeting):
    chair_id = meeting["people"]["chair"]
    version_id, digest = _confirmed_by_the_chair(app, meeting)
    world.user("admin@example.org", is_la_admin=True)
    sign_in("chair@example.org")
    with app.app_context():
        entries_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    sign_in("admin@example.org")
    assert "This cannot be undone" in text_of(client.get(f"/admin/users/{chair_id}/anonymise"))
    response = client.post(f"/admin/users/{chair_id}/anonymise")
    assert response.status_code == 302
    assert f"Former user {chair_id}" in text_of(client.get(response.headers["Location"]))
    with app.app_context():
        chair = db.session.get(User, chair_id)
        assert (chair.name, chair.email, chair.password_hash, chair.active) == (
            f"Former user {chair_id}", f"former-user-{chair_id}@anonymised.invalid", None, False)
        assert db.session.scalars(select(SchoolRole).where(SchoolRole.user_id == chair_id)).all() == []
        version = db.session.get(MinutesVersion, version_id)
        assert version.confirmed_by_id == chair_id and version.digest == digest
        assert minutes_rules.matches_confirmed(version) is True
        entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert len(entries) > entries_before  # nothing removed from the log
        (anonymised,) = [entry for entry in entries if entry.action == "admin.anonymised"]
        logged = json.dumps([anonymised.summary, anonymised.changes])
        assert "Margaret Dunn" not in logged and "chair@example.org" not in logged
    client.post("/sign-out")
    refused = client.post("/sign-in", data={"email": "chair@example.org", "password": PASSWORD})
    assert refused.status_code == 200 and "Enter a correct email address and password" in text_of(refused)
    sign_in("admin@example.org")
    again = client.post(f"/admin/users/{chair_id}/anonymise")
    assert again.status_code == 400 and "has already been anonymised" in text_of(again)


def test_an_admin_cannot_anonymise_themselves(app, client, sign_in, world):
    admin_id = world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    refused = client.post(f"/admin/users/{admin_id}/anonymise")
    assert refused.status_code == 400
    page = text_of(refused)
    assert "There is a problem" in page and "You cannot anonymise your own account" in page
    with app.app_context():
        assert db.session.get(User, admin_id).email == "admin@example.org"
