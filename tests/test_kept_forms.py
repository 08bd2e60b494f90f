"""A form sent after the session ended: what was typed is kept, and sent again once the same person signs in."""

import html
import io
import re
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from portal import clock
from portal.audit import AuditEvent
from portal.auth import kept_forms
from portal.auth.models import KeptForm, User
from portal.extensions import db
from portal.plans.models import Priority
from tests.conftest import PASSWORD, TEST_NOW, text_of
from tests.test_evidence import PDF, _post, school  # noqa: F401  (school: the fixture)

LONG_TEXT = "Reading has improved in every year group.\nBook looks show it: see the moderation notes."


def _resend_form(page):
    """(action, [(name, value)]) of the kept form's "Send it again" form, as a browser would send it."""
    markup = page.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', markup, re.S)
    fields = [(html.unescape(name), html.unescape(value))
              for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(2))]
    return html.unescape(form.group(1)), fields


def _kept(app):
    with app.app_context():
        return db.session.scalars(select(KeptForm)).all()


def test_what_was_typed_after_the_timeout_is_sent_again_after_signing_in(app, client, sign_in, school, travel):
    sign_in("head@example.org")
    path = f"/schools/{school['id']}/plans/{school['plan']}/priorities/new"
    assert client.get(path).status_code == 200
    travel(TEST_NOW + timedelta(minutes=45))  # typing without JavaScript: nothing kept the session alive
    ended = client.post(path, data={"title": "Improve writing", "description": LONG_TEXT, "save": "Save priority"})
    assert ended.status_code == 302 and ended.headers["Location"] == "/sign-in?next=/session/kept"
    assert "What you had typed was kept: sign in again to check it and send it." in text_of(
        client.get(ended.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(Priority).where(Priority.title == "Improve writing")) is None  # not saved
        assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "auth.session_ended")) == (
            f"Signed out after the idle timeout; kept what was sent to {path} to send again")

    signed_in = client.post(ended.headers["Location"], data={"email": "head@example.org", "password": PASSWORD})
    assert signed_in.headers["Location"] == "/session/kept"  # where signing in leads
    page = client.get("/session/kept")
    text = text_of(page)
    assert page.status_code == 200 and "Send what you typed again" in text
    assert "Improve writing" in text and "Book looks show it" in text and "Files are not kept" not in text
    action, fields = _resend_form(page)
    assert action == path and ("description", LONG_TEXT) in fields and ("title", "Improve writing") in fields
    names = [name for name, _ in fields]
    assert names.count("csrf_token") == 1 and names.count("kept_form_id") == 1  # a fresh token, not the old one

    saved = client.post(action, data=MultiDict(fields))
    assert saved.status_code == 302
    with app.app_context():
        priority = db.session.scalar(select(Priority).where(Priority.title == "Improve writing"))
        assert priority.description == LONG_TEXT
        assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "auth.kept_form_sent_again")) == (
            f"Sent again what was kept from {path}")
    assert _kept(app) == []  # forgotten once sent
    assert client.get("/session/kept").headers["Location"] == "/"  # nothing more to send


def test_files_are_named_to_add_again_and_ticked_boxes_go_back_as_sent(app, client, sign_in, school, travel):
    from portal.evidence.models import EvidenceItem

    sign_in("head@example.org")
    travel(TEST_NOW + timedelta(minutes=45))
    ended = _post(client, school, [("reading.pdf", PDF)], title="Year 6 reading", narrative=LONG_TEXT)
    assert ended.headers["Location"] == "/sign-in?next=/session/kept"
    sign_in("head@example.org")
    page = client.get("/session/kept")
    assert "Files are not kept, so reading.pdf was not received. Once this is sent, add it again." in text_of(page)
    action, fields = _resend_form(page)
    assert ("criterion_ids", str(school["criterion"])) in fields  # a ticked box goes back as it was sent
    again = client.post(action, data=MultiDict(fields), content_type="multipart/form-data")
    assert again.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.title == "Year 6 reading"))
        assert item.latest_version.narrative == LONG_TEXT and [c.id for c in item.criteria] == [school["criterion"]]
    assert _kept(app) == []


def test_discarding_forgets_it_and_another_person_never_sees_it(app, client, sign_in, school, travel, world):
    from portal.schools.models import Role

    world.user("deputy@example.org", "Dev Deputy", roles=[(school["id"], Role.HEADTEACHER)])
    sign_in("head@example.org")
    path = f"/schools/{school['id']}/plans/{school['plan']}/priorities/new"
    travel(TEST_NOW + timedelta(minutes=45))
    client.post(path, data={"title": "Improve writing", "description": "Private draft"})
    sign_in("deputy@example.org")  # the same browser, someone else
    assert client.get("/session/kept").headers["Location"] == "/"
    sign_in("head@example.org")
    assert "Private draft" in text_of(client.get("/session/kept"))
    discarded = client.post("/session/kept", data={"submit": "Discard it"})
    assert discarded.status_code == 302 and _kept(app) == []
    assert "What you had typed has been discarded." in text_of(client.get(discarded.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "auth.kept_form_discarded"))


def test_only_what_was_typed_is_kept_for_a_day(app, world, travel):
    user_id = world.user("head@example.org")
    form = MultiDict([("csrf_token", "abc"), ("title", "Improve writing"), ("password", "secret"),
                      ("new_password", "secret2"), ("code", "123456"), ("criterion_ids", "3"), ("criterion_ids", "4")])
    files = MultiDict([("files", FileStorage(io.BytesIO(PDF), "reading.pdf")), ("files", FileStorage(io.BytesIO(), ""))])
    with app.app_context():
        user = db.session.get(User, user_id)
        kept = kept_forms.keep(user, "/somewhere?x=1", form, files)
        assert kept.fields == [["title", "Improve writing"], ["criterion_ids", "3"], ["criterion_ids", "4"]]
        assert kept.file_names == ["reading.pdf"]
        assert kept_forms.keep(user, "/elsewhere", MultiDict([("csrf_token", "abc"), ("back", " ")]), None) is None
        for elsewhere in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/x"):
            assert kept_forms.keep(user, elsewhere, MultiDict([("title", "x")]), None) is None
        newer = kept_forms.keep(user, "/elsewhere", MultiDict([("title", "Second go")]), None)
        db.session.commit()
        assert db.session.scalars(select(KeptForm)).all() == [newer]  # one per person: the latest
        assert kept_forms.latest_for(user) == newer
        travel(clock.now() + timedelta(days=1, minutes=1))
        assert kept_forms.latest_for(user) is None  # a day old: not shown...
        assert kept_forms.forget_old() == 1  # ...and the scheduler's next run forgets it
        assert kept_forms.forget(user, "not a number") is False
        assert kept_forms.label("criterion_ids") == "Criterion ids"
