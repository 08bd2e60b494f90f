"""Sessions end on the server: after the LA's idle timeout, and after an absolute lifetime however busy."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.sessions import why_ended
from portal.extensions import db
from tests.conftest import TEST_NOW, text_of


@pytest.mark.parametrize("signed_in, seen, now, reason", [
    (0, 0, 30 * 60, None),                    # exactly the idle timeout: still on
    (0, 0, 30 * 60 + 1, "idle"),
    (0, 8 * 3600 - 60, 8 * 3600, None),       # busy all day, within the lifetime
    (0, 8 * 3600, 8 * 3600 + 1, "lifetime"),  # however busy
])
def test_why_a_session_ends(signed_in, seen, now, reason):
    assert why_ended(signed_in, seen, now, idle_minutes=30, lifetime_seconds=8 * 3600) == reason


@pytest.fixture
def head(world):
    school = world.school("Brookside Primary School")
    from portal.schools.models import Role

    return world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)]), school


def _ended(app):
    with app.app_context():
        return db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "auth.session_ended")).all()


def test_a_session_left_idle_ends_and_says_why(app, client, sign_in, head, travel):
    user_id, school = head
    sign_in("head@example.org")
    travel(TEST_NOW + timedelta(minutes=29))
    assert client.get("/").status_code == 200
    travel(TEST_NOW + timedelta(minutes=29 + 31))
    response = client.get(f"/schools/{school}")
    assert response.status_code == 302 and response.headers["Location"] == f"/sign-in?next=/schools/{school}?"
    page = text_of(client.get(response.headers["Location"]))
    assert "You were signed out because the portal was not used for 30 minutes" in page
    assert client.get("/").status_code == 302  # the old cookie is no use now
    assert _ended(app) == ["Signed out after the idle timeout"]


def test_typing_keeps_a_session_alive(client, sign_in, head, travel):
    sign_in("head@example.org")
    for minutes in (25, 50, 75):
        travel(TEST_NOW + timedelta(minutes=minutes))
        assert client.post("/session/keep-alive").status_code == 204
    travel(TEST_NOW + timedelta(minutes=100))
    assert client.get("/").status_code == 200


def test_a_busy_session_still_ends_after_its_lifetime(app, client, sign_in, head, travel):
    sign_in("head@example.org")
    for minutes in range(20, 8 * 60, 20):
        travel(TEST_NOW + timedelta(minutes=minutes))
        assert client.get("/").status_code == 200, minutes
    travel(TEST_NOW + timedelta(hours=8, minutes=5))
    response = client.get("/")
    assert response.status_code == 302
    assert "you signed in more than 8 hours ago" in text_of(client.get(response.headers["Location"]))
    assert _ended(app) == ["Signed out at the end of the session's lifetime"]


def test_an_htmx_request_after_the_timeout_sends_the_page_to_sign_in(client, sign_in, head, travel):
    sign_in("head@example.org")
    travel(TEST_NOW + timedelta(minutes=45))
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/sign-in"


def test_the_la_admin_sets_the_idle_timeout(app, client, sign_in, world, head, travel):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("head@example.org")
    assert client.get("/admin/sign-in-sessions").status_code == 403
    sign_in("admin@example.org")
    assert 'value="30"' in client.get("/admin/sign-in-sessions").get_data(as_text=True)
    refused = client.post("/admin/sign-in-sessions", data={"idle_minutes": "3"})
    assert refused.status_code == 200 and "Enter a whole number of minutes from 5 to 480" in text_of(refused)
    assert 'value="3"' in refused.get_data(as_text=True)  # what was typed stays
    saved = client.post("/admin/sign-in-sessions", data={"idle_minutes": "60"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.record_type == "session_settings"))
    sign_in("head@example.org")
    travel(TEST_NOW + timedelta(minutes=55))
    assert client.get("/").status_code == 200
    travel(TEST_NOW + timedelta(minutes=55 + 61))
    assert client.get("/").status_code == 302
