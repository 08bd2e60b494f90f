"""Every endpoint × every role × own school / another school.

The expected answers are written out here by hand, not read from portal/access.py,
so a wrong rule there fails this test. A new endpoint fails until it is added.
"""

import re

import pytest

from portal.schools.models import Role

# Who may reach each endpoint: "public", "signed_in", "la_admin", "school_member".
EXPECTED = {
    "static": "public",
    "auth.sign_in": "public",
    "auth.sign_out": "signed_in",
    "home.index": "signed_in",
    "schools.show": "school_member",
    "admin.users": "la_admin",
    "admin.user_new": "la_admin",
    "admin.user_edit": "la_admin",
    "admin.user_role_add": "la_admin",
    "admin.user_role_remove": "la_admin",
    "admin.user_deactivate": "la_admin",
    "admin.user_reactivate": "la_admin",
    "admin.schools": "la_admin",
    "admin.school_new": "la_admin",
    "admin.school_edit": "la_admin",
    "admin.gias_import": "la_admin",
    "admin.terms": "la_admin",
    "admin.term_new": "la_admin",
    "admin.term_edit": "la_admin",
    "admin.audit_log": "la_admin",
    "frameworks.index": "la_admin",
}

PEOPLE = {
    "la_admin": None,
    "headteacher": Role.HEADTEACHER,
    "senior_leader": Role.SENIOR_LEADER,
    "governor": Role.GOVERNOR,
    "chair_of_governors": Role.CHAIR_OF_GOVERNORS,
    "clerk": Role.CLERK,
    "adviser": Role.ADVISER,
}


def test_every_endpoint_is_listed_and_guarded(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), f"add these to EXPECTED: {endpoints - set(EXPECTED)}; remove: {set(EXPECTED) - endpoints}"
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert hasattr(view, "access_rule"), f"{endpoint} has no access decorator from portal.access"


def test_url_parameters_are_typed_and_urls_kebab_case(app):
    for rule in app.url_map.iter_rules():
        for argument in rule.arguments:
            converter = rule._converters[argument]
            if rule.endpoint != "static":
                assert type(converter).__name__ in {"IntegerConverter", "UUIDConverter"}, f"{rule.rule}: type <{argument}>"
        static_part = re.sub(r"<[^>]+>", "", rule.rule)
        assert static_part == static_part.lower() and "_" not in static_part, f"{rule.rule} is not kebab-case"


@pytest.fixture
def place(app, world):
    """Two schools; one person per role at the first; ids for every URL parameter."""
    from portal.extensions import db
    from portal.schools.models import SchoolRole
    from portal.terms.models import AcademicYear

    own = world.school("Own School")
    other = world.school("Other School")
    emails = {}
    for name, role in PEOPLE.items():
        email = f"{name.replace('_', '.')}@example.org"
        world.user(email, roles=[(own, role)] if role else [], is_la_admin=role is None)
        emails[name] = email
    target_user = world.user("target@example.org", roles=[(other, Role.GOVERNOR)])
    with app.app_context():
        year = AcademicYear(start_year=2026)
        db.session.add(year)
        db.session.commit()
        membership = db.session.scalar(db.select(SchoolRole).where(SchoolRole.user_id == target_user))
        ids = {"user_id": target_user, "year_id": year.id, "role_id": membership.id}
    return {"own": own, "other": other, "emails": emails, "ids": ids}


def _url(app, endpoint, school_id, ids):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {name: (school_id if name == "school_id" else ids[name]) for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values), ("GET" if "GET" in rule.methods else "POST"), "school_id" in rule.arguments


def _request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


ENDPOINTS = sorted(e for e in EXPECTED if e != "static")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, place, endpoint):
    url, method, _ = _url(app, endpoint, place["own"], place["ids"])
    response = _request(client, method, url)
    if EXPECTED[endpoint] == "public":
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("person", sorted(PEOPLE))
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e != "auth.sign_out"])  # sign-out: test_auth
def test_each_role_gets_the_expected_answer(app, client, sign_in, place, endpoint, person):
    sign_in(place["emails"][person])
    rule = EXPECTED[endpoint]
    own_url, method, school_scoped = _url(app, endpoint, place["own"], place["ids"])
    answer = _request(client, method, own_url).status_code
    if rule in ("public", "signed_in"):
        assert answer in (200, 302)
    elif rule == "la_admin":
        assert answer == 403 if person != "la_admin" else answer in (200, 302, 400)
    elif rule == "school_member":
        assert answer == 200
    if school_scoped:
        other_url, _, _ = _url(app, endpoint, place["other"], place["ids"])
        other_answer = _request(client, method, other_url).status_code
        if person == "la_admin":
            assert other_answer in (200, 302, 400)
        else:
            assert other_answer in (403, 404) if rule == "la_admin" else other_answer == 404


def test_unknown_school_and_forbidden_school_look_the_same(client, world, sign_in):
    own = world.school("Own School")
    other = world.school("Other School")
    world.user("head@example.org", roles=[(own, Role.HEADTEACHER)])
    sign_in("head@example.org")
    forbidden = client.get(f"/schools/{other}")
    missing = client.get("/schools/999999")
    assert forbidden.status_code == missing.status_code == 404
    from tests.conftest import text_of

    assert text_of(forbidden) == text_of(missing)


def test_adviser_sees_only_assigned_schools(client, world, sign_in):
    from tests.conftest import text_of

    assigned = world.school("Assigned School")
    world.school("Unassigned School")
    world.user("adviser@example.org", roles=[(assigned, Role.ADVISER)])
    sign_in("adviser@example.org")
    page = text_of(client.get("/"))
    assert "Assigned School" in page and "Unassigned School" not in page
