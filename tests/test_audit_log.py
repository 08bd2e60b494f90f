"""The audit log page reads like a record a person can use: names, GOV.UK dates, Yes/No, labels; in bulk."""

import re

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import SchoolRole
from tests.conftest import statements_behind, text_of
from tests.test_visits import _visit
from tests.test_visits import school  # noqa: F401 (the fixture, shared)


@pytest.fixture
def admin(world, sign_in):
    user_id = world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    sign_in("admin@example.org")
    return user_id


def _changes_of(page_text):
    """The table's rows, with "Field : value" (a bold field name, then a colon) read as "Field: value"."""
    return page_text.split("What Changes", 1)[1].replace(" : ", ": ")


def test_a_page_of_different_events_reads_naturally(app, client, admin, school):  # noqa: F811
    visit_id = _visit(app, school, issue=True)  # a visit recorded, its notes written and issued (adviser, by rules)
    governor = client.post("/admin/users/new", data={"name": "Grace Hopper", "email": "grace@example.org"})
    governor_id = int(governor.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/admin/users/{governor_id}/roles", data={"school_id": school["id"], "role": "chair_of_governors"}).status_code == 302
    with app.app_context():
        role_id = db.session.scalar(select(SchoolRole.id).where(SchoolRole.user_id == governor_id))
    client.post(f"/admin/users/{governor_id}/roles/{role_id}/remove")
    client.post(f"/admin/users/{governor_id}/deactivate")
    edited = client.post(f"/admin/schools/{school['id']}/edit",
                         data={"urn": "100001", "name": "Brookside Primary", "phase": "Primary", "adviser_id": "0"})
    assert edited.status_code == 302, text_of(edited)

    page = text_of(client.get("/admin/audit-log"))
    changes = _changes_of(page)
    # People, schools and records by name, never by id.
    assert "Grace Hopper, chair of governors at Brookside Primary" in changes  # the role, named after it was removed
    assert "Role: Chair of governors" in changes  # an enum by its label
    assert "Name: Brookside Primary School → changed to Brookside Primary" in changes
    assert "Adviser: Priya Shah" in changes  # the visit's adviser_id
    assert "Monitoring visit on 25 November 2026" in changes  # the visit's name
    assert "Kind: Monitoring visit" in changes  # inside the issued notes (JSON), typed like the visit's column
    assert "Notes version 1: Monitoring visit on 25 November 2026" in changes  # a record named after its parent
    # Dates and times in GOV.UK style, London time; booleans as Yes/No; statuses by their label.
    assert "Visited on: 25 November 2026" in changes
    assert "Issued at: blank → changed to 25 November 2026 at 10:" in changes
    assert "Status: Draft → changed to Awaiting the school's accuracy check" in changes
    assert "Active: Yes → changed to No" in changes
    # The draft (JSON) as text: its priority by name, the next step's date as a date.
    assert "Priority: Improve reading in key stage 2" in changes
    assert "Due on: 11 December 2026" in changes
    assert "Password: set (not shown)" in changes and "password_hash" not in page  # secrets stay hidden
    # Nothing raw is left: no ISO dates or times, no Python lists or dicts, no enum values, no "_id" fields.
    assert not re.search(r"\d{4}-\d{2}-\d{2}", changes), changes
    assert not re.search(r"[\[\]{}]|'\w+':", changes), changes
    assert "_id" not in changes and "monitoring" not in changes and "chair_of_governors" not in changes
    assert f"visit {visit_id}" not in page and "(school " not in page


def test_filters_still_narrow_the_log(app, client, world, admin):
    one = world.school("School One")
    two = world.school("School Two")
    world.user("head2@example.org", roles=[])
    client.post(f"/admin/schools/{two}/edit", data={"urn": "100002", "name": "School Two Renamed", "phase": "Primary", "adviser_id": "0"})
    client.post(f"/admin/schools/{one}/edit", data={"urn": "100001", "name": "School One Renamed", "phase": "Primary", "adviser_id": "0"})
    page = _changes_of(text_of(client.get(f"/admin/audit-log?school_id={one}")))
    assert "School One Renamed" in page and "School Two" not in page
    by_admin = _changes_of(text_of(client.get(f"/admin/audit-log?user_id={admin}")))
    assert "Signed in" in by_admin and "School One Renamed" in by_admin


def test_a_record_deleted_since_keeps_its_name(app, client, world, admin):
    school_id = world.school("Oak Tree Infant School")
    user_id = world.user("clerk@example.org", "Jo Clerk")
    client.post(f"/admin/users/{user_id}/roles", data={"school_id": school_id, "role": "clerk"})
    with app.app_context():
        role_id = db.session.scalar(select(SchoolRole.id).where(SchoolRole.user_id == user_id))
    client.post(f"/admin/users/{user_id}/roles/{role_id}/remove")
    with app.app_context():  # only the removal is left on the page: its name comes from the deletion's own record
        db.session.execute(db.delete(AuditEvent).where(AuditEvent.action == "school_role.created"))
        db.session.commit()
    page = text_of(client.get("/admin/audit-log"))
    assert "School role deleted Jo Clerk, clerk to governors at Oak Tree Infant School" in page


def test_the_number_of_queries_does_not_grow_with_the_rows(app, client, admin, school):  # noqa: F811
    """Names are loaded in bulk for the page, so ten visits cost what one does."""

    def queries_for(visits):
        with app.app_context():
            db.session.execute(db.delete(AuditEvent))
            db.session.commit()
        for _ in range(visits):
            _visit(app, school, issue=True)
        with app.app_context():
            user = db.session.get(User, school["adviser"])
            user.name = user.name + "!"  # a user updated too: a boolean-free, name-only change
            db.session.commit()
        assert "Monitoring visit on" in text_of(client.get("/admin/audit-log"))
        return statements_behind(app, client, "/admin/audit-log")

    assert queries_for(1) == queries_for(10)
