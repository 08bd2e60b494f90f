"""The LA admin managing people, roles, schools and term dates through the pages."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import Role, School, SchoolRole
from portal.terms.models import AcademicYear
from tests.conftest import PASSWORD, text_of


@pytest.fixture
def admin(world, sign_in):
    user_id = world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    sign_in("admin@example.org")
    return user_id


def test_create_user_give_role_and_they_can_sign_in(app, client, world, admin):
    school = world.school("Brookside Primary School")
    response = client.post("/admin/users/new", data={"name": "Sarah Lewis", "email": "Sarah.Lewis@Example.org", "password": "a-long-enough-password"})
    assert response.status_code == 302
    user_url = response.headers["Location"]
    user_id = int(user_url.rsplit("/", 1)[1])
    assert client.post(f"{user_url}/roles", data={"school_id": school, "role": "headteacher"}).status_code == 302
    assert "Headteacher" in text_of(client.get(user_url))
    client.delete_cookie("session")
    assert client.post("/sign-in", data={"email": "sarah.lewis@example.org", "password": "a-long-enough-password"}).status_code == 302
    assert "Brookside Primary School" in text_of(client.get("/"))
    with app.app_context():
        assert db.session.get(User, user_id).email == "sarah.lewis@example.org"


def test_user_form_errors_keep_what_was_typed(client, world, admin):
    world.user("taken@example.org")
    response = client.post("/admin/users/new", data={"name": "", "email": "TAKEN@example.org", "password": "short"})
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Enter the person's full name" in page
    assert "Password must be at least 12 characters" in page
    response = client.post("/admin/users/new", data={"name": "Someone", "email": "TAKEN@example.org"})
    assert "A user with this email address already exists" in text_of(response)
    assert 'value="Someone"' in response.get_data(as_text=True)


def test_duplicate_role_is_refused_with_a_message(client, world, admin):
    school = world.school("Brookside Primary School")
    user = world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)])
    response = client.post(f"/admin/users/{user}/roles", data={"school_id": school, "role": "headteacher"})
    assert response.status_code == 400
    assert "Sarah Lewis is already headteacher at Brookside Primary School" in text_of(response)


def test_role_form_needs_school_and_role(client, world, admin):
    user = world.user("head@example.org")
    page = text_of(client.post(f"/admin/users/{user}/roles", data={"school_id": "0", "role": ""}))
    assert "Select a school" in page and "Select a role" in page


def test_remove_role_and_deactivate(app, client, world, admin):
    school = world.school()
    user = world.user("head@example.org", roles=[(school, Role.HEADTEACHER)])
    with app.app_context():
        membership = db.session.scalar(select(SchoolRole.id).where(SchoolRole.user_id == user))
    assert client.post(f"/admin/users/{user}/roles/{membership}/remove").status_code == 302
    assert client.post(f"/admin/users/{user}/deactivate").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SchoolRole).where(SchoolRole.user_id == user)) is None
        assert db.session.get(User, user).active is False
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_id.in_([user, membership]))))
    assert {"school_role.deleted", "user.updated"} <= actions


def test_deactivated_user_is_signed_out_at_next_request(app, client, world):
    from flask.testing import FlaskClient

    school = world.school()
    head = world.user("head@example.org", roles=[(school, Role.HEADTEACHER)])
    world.user("admin@example.org", is_la_admin=True)
    head_client = app.test_client()
    head_client.post("/sign-in", data={"email": "head@example.org", "password": PASSWORD})
    assert head_client.get("/").status_code == 200
    client.post("/sign-in", data={"email": "admin@example.org", "password": PASSWORD})
    client.post(f"/admin/users/{head}/deactivate")
    assert head_client.get("/").status_code == 302
    assert isinstance(head_client, FlaskClient)


def test_admin_cannot_deactivate_themselves(app, client, admin):
    response = client.post(f"/admin/users/{admin}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in text_of(response)
    with app.app_context():
        assert db.session.get(User, admin).active is True


def test_create_and_edit_school_with_adviser(app, client, world, admin):
    world.local_authority()
    adviser = world.user("adviser@example.org", "Priya Shah")
    response = client.post("/admin/schools/new", data={
        "urn": "140099", "name": "New Primary School", "phase": "Primary", "establishment_type": "Academy converter",
        "ofsted_grade": "Good", "ofsted_inspected_on": ["5", "3", "2024"], "adviser_id": str(adviser),
    })
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "New Primary School" in page and "5 March 2024" in page and "Priya Shah" in page
    with app.app_context():
        school = db.session.scalar(select(School).where(School.urn == 140099))
        assert [u.email for u in school.advisers] == ["adviser@example.org"]
        school_id = school.id
    assert 'value="unknown" checked' in client.get(f"/admin/schools/{school_id}/edit").get_data(as_text=True)
    response = client.post(f"/admin/schools/{school_id}/edit", data={
        "urn": "140099", "name": "Renamed Primary School", "phase": "Primary", "ofsted_grade": "",
        "ofsted_inspected_on": ["", "", ""], "adviser_id": "0", "sixth_form": "no",
    })
    assert response.status_code == 302
    with app.app_context():
        school = db.session.get(School, school_id)
        assert school.name == "Renamed Primary School" and school.advisers == [] and school.ofsted_inspected_on is None
        assert school.has_sixth_form is False
        change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "school.updated", AuditEvent.school_id == school_id))
        assert change.changes["name"] == ["New Primary School", "Renamed Primary School"]
        assert change.user_id == admin


def test_school_form_errors(client, world, admin):
    world.school("Existing School", urn=140001)
    response = client.post("/admin/schools/new", data={
        "urn": "140001", "name": "Clash", "phase": "Primary", "ofsted_inspected_on": ["31", "2", "2024"], "adviser_id": "0",
    })
    page = text_of(response)
    assert "There is a problem" in page and "Not a valid date value" not in page or "date" in page.lower()
    response = client.post("/admin/schools/new", data={"urn": "140001", "name": "Clash", "phase": "Primary", "adviser_id": "0"})
    assert "URN 140001 is already used by Existing School" in text_of(response)
    response = client.post("/admin/schools/new", data={"urn": "12", "name": "", "phase": "", "adviser_id": "0"})
    page = text_of(response)
    assert "URN must be a 6-digit number" in page and "Enter the school's name" in page and "Select the school's phase" in page


def test_school_age_range_is_kept_and_decides_early_years(app, client, world, admin):
    school_id = world.school("Hillside Junior School", urn=140002)
    fields = {"urn": "140002", "name": "Hillside Junior School", "phase": "Primary", "adviser_id": "0",
              "ofsted_inspected_on": ["", "", ""], "sixth_form": "unknown"}
    response = client.post(f"/admin/schools/{school_id}/edit", data={**fields, "statutory_low_age": "7", "statutory_high_age": "11"})
    assert response.status_code == 302
    with app.app_context():
        from portal.frameworks.ready_made import build_demo_frameworks

        school = db.session.get(School, school_id)
        assert (school.statutory_low_age, school.statutory_high_age) == (7, 11)
        current, _ = build_demo_frameworks()
        assert "early-years" not in {area.key for area in current.published_version.areas_for_school(school)}
        change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "school.updated", AuditEvent.school_id == school_id))
        assert change.changes["statutory_low_age"] == [None, 7]
    page = client.get(f"/admin/schools/{school_id}/edit").get_data(as_text=True)
    assert 'id="statutory_low_age" name="statutory_low_age" type="text" value="7"' in page
    response = client.post(f"/admin/schools/{school_id}/edit", data={**fields, "statutory_low_age": "", "statutory_high_age": ""})
    with app.app_context():
        assert db.session.get(School, school_id).statutory_low_age is None  # not known again: the phase decides


def test_school_age_range_errors_keep_what_was_typed(client, world, admin):
    school_id = world.school("Hillside Junior School", urn=140002)
    fields = {"urn": "140002", "name": "Hillside Junior School", "phase": "Primary", "adviser_id": "0"}
    response = client.post(f"/admin/schools/{school_id}/edit", data={**fields, "statutory_low_age": "11", "statutory_high_age": "7"})
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Oldest pupils' age must be the same as or more than the youngest pupils' age" in page
    response = client.post(f"/admin/schools/{school_id}/edit", data={**fields, "statutory_low_age": "seven", "statutory_high_age": "11"})
    assert "Youngest pupils' age must be a whole number of years, like 7" in text_of(response)
    assert 'value="seven"' in response.get_data(as_text=True)


TERM_DATES = {
    "start_year": "2026",
    "starts_1": ["2", "9", "2026"], "ends_1": ["23", "10", "2026"],
    "starts_2": ["2", "11", "2026"], "ends_2": ["18", "12", "2026"],
    "starts_3": ["5", "1", "2027"], "ends_3": ["12", "2", "2027"],
    "starts_4": ["22", "2", "2027"], "ends_4": ["26", "3", "2027"],
    "starts_5": ["12", "4", "2027"], "ends_5": ["28", "5", "2027"],
    "starts_6": ["7", "6", "2027"], "ends_6": ["21", "7", "2027"],
}


def test_enter_and_change_term_dates(app, client, admin):
    assert client.post("/admin/term-dates/new", data=TERM_DATES).status_code == 302
    page = text_of(client.get("/admin/term-dates"))
    assert "2026 to 2027" in page and "2 September 2026" in page and "21 July 2027" in page
    with app.app_context():
        year = db.session.scalar(select(AcademicYear))
        assert [h.name for h in year.half_terms] == ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]
        year_id = year.id
    changed = dict(TERM_DATES, ends_6=["22", "7", "2027"])
    assert client.post(f"/admin/term-dates/{year_id}", data=changed).status_code == 302
    assert "22 July 2027" in text_of(client.get("/admin/term-dates"))


def test_term_dates_that_overlap_or_run_backwards_are_refused(client, admin):
    bad = dict(TERM_DATES, starts_2=["20", "10", "2026"], ends_3=["1", "1", "2027"])
    response = client.post("/admin/term-dates/new", data=bad)
    page = text_of(response)
    assert response.status_code == 200
    assert "Autumn 2 must start after Autumn 1 ends" in page
    assert "The last day of Spring 1 must be the same as or after its first day" in page
    assert 'value="20"' in response.get_data(as_text=True)
    missing = text_of(client.post("/admin/term-dates/new", data=dict(TERM_DATES, starts_4=["", "", ""])))
    assert "Enter the first day of Spring 2" in missing


def test_audit_log_filters_by_school_and_user(app, client, world, admin):
    one = world.school("School One")
    two = world.school("School Two")
    world.user("head1@example.org", roles=[(one, Role.HEADTEACHER)])
    world.user("head2@example.org", roles=[(two, Role.HEADTEACHER)])
    edited = client.post(f"/admin/schools/{one}/edit", data={"urn": "100001", "name": "School One Renamed", "phase": "Primary", "adviser_id": "0"})
    assert edited.status_code == 302, text_of(edited)
    page = text_of(client.get(f"/admin/audit-log?school_id={one}"))
    assert "School One Renamed" in page and "School updated" in page
    assert "School Two" not in page.split("What Changes", 1)[1]
    by_admin = text_of(client.get(f"/admin/audit-log?user_id={admin}"))
    assert "Signed in" in by_admin and "School updated" in by_admin
    assert "password_hash" not in text_of(client.get("/admin/audit-log")) or "(set)" in text_of(client.get("/admin/audit-log"))


def test_users_search_and_htmx_partial(client, world, admin):
    world.user("priya@example.org", "Priya Shah")
    world.user("tom@example.org", "Tom Okafor")
    page = text_of(client.get("/admin/users?q=priya"))
    assert "Priya Shah" in page and "Tom Okafor" not in page
    partial = client.get("/admin/users?q=tom", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "Tom Okafor" in body and "<html" not in body


def test_every_change_is_audited_with_who_and_what(app, client, world, admin):
    """Rows of every audited model write an event on create, update and delete; secrets never appear."""
    school = world.school("Audit School")
    client.post("/admin/users/new", data={"name": "New Person", "email": "new@example.org", "password": "a-long-enough-password"})
    with app.app_context():
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created").order_by(AuditEvent.id.desc()).limit(1))
        user_id = created.record_id
        assert created.user_id == admin and created.actor == "admin@example.org"
        assert created.changes["email"] == "new@example.org" and created.changes["password_hash"] == "(set)"
        assert "a-long-enough-password" not in str(created.changes)
    client.post(f"/admin/users/{user_id}/roles", data={"school_id": school, "role": "governor"})
    client.post(f"/admin/users/{user_id}", data={"name": "New Person", "email": "new@example.org", "password": "another-long-password"})
    with app.app_context():
        role_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "school_role.created"))
        assert role_event.school_id == school and role_event.changes["role"] == "governor"
        password_change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.updated", AuditEvent.record_id == user_id))
        assert password_change.changes == {"password_hash": ["(hidden)", "(changed)"]}
        sign_ins = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == admin)).all()
        assert "auth.signed_in" in sign_ins and "user.updated" not in sign_ins


def test_deadline_offsets_and_closure_days(app, client, admin):
    page = text_of(client.get("/admin/term-dates"))
    assert "Deadlines" in page and "Closure days" in page
    bad = client.post("/admin/term-dates/deadlines", data={"agenda_days": "99", "evidence_days": "", "minutes_days": "10"})
    page = text_of(bad)
    assert "must be a whole number from 0 to 60" in page and "Enter how many working days before the meeting evidence is due" in page
    assert client.post("/admin/term-dates/deadlines", data={"agenda_days": "12", "evidence_days": "4", "minutes_days": "8",
                                                           "notes_days": "6", "notes_response_days": "7"}).status_code == 302
    response = client.post("/admin/term-dates/closures", data={"day": ["4", "1", "2027"], "reason": "LA training day"})
    assert response.status_code == 302
    assert "already a closure day" in text_of(client.post("/admin/term-dates/closures", data={"day": ["4", "1", "2027"]}))
    assert "is a weekend" in text_of(client.post("/admin/term-dates/closures", data={"day": ["2", "1", "2027"]}))
    with app.app_context():
        from portal.terms.models import ClosureDay
        from portal.terms.rules import closure_days, deadline_settings

        assert (deadline_settings().agenda_days, deadline_settings().evidence_days) == (12, 4)
        assert (deadline_settings().notes_days, deadline_settings().notes_response_days) == (6, 7)
        assert closure_days() == frozenset({date(2027, 1, 4)})
        closure_id = db.session.scalar(select(ClosureDay.id))
    assert "4 January 2027: LA training day" in text_of(client.get("/admin/term-dates"))
    assert client.post(f"/admin/term-dates/closures/{closure_id}/remove").status_code == 302
    with app.app_context():
        from portal.terms.rules import closure_days

        assert closure_days() == frozenset()


def test_pages_with_several_forms_keep_ids_unique_with_csrf_on(app, client, admin):
    """With CSRF on, each form carries a token: none may repeat an id."""
    app.config.update(WTF_CSRF_ENABLED=True)
    try:
        assert client.get("/admin/term-dates").status_code == 200  # the checking client fails on duplicate ids
    finally:
        app.config.update(WTF_CSRF_ENABLED=False)
