"""Each role's home page lists its schools."""

from portal.extensions import db
from portal.schools.models import Role, SchoolRole
from tests.conftest import count_queries, text_of


def test_adviser_sees_a_table_of_assigned_schools_with_their_heads(client, world, sign_in):
    one = world.school("Brookside Primary School")
    two = world.school("Castlefield Academy", phase="Secondary")
    world.school("Not Mine School")
    world.user("head@example.org", "Sarah Lewis", roles=[(one, Role.HEADTEACHER)])
    world.user("adviser@example.org", "Priya Shah", roles=[(one, Role.ADVISER), (two, Role.ADVISER)])
    sign_in("adviser@example.org")
    page = text_of(client.get("/"))
    assert "Schools you advise" in page and "Your caseload" in page and "2 of 2 schools shown" in page
    assert "Brookside Primary School" in page and "Sarah Lewis" in page and "Castlefield Academy" in page
    assert "Not Mine School" not in page


def test_executive_head_sees_both_schools(client, world, sign_in):
    one = world.school("Kingsway Junior School")
    two = world.school("Elm Grove Primary School")
    world.user("exec@example.org", roles=[(one, Role.HEADTEACHER), (two, Role.HEADTEACHER)])
    sign_in("exec@example.org")
    page = text_of(client.get("/"))
    assert "Kingsway Junior School" in page and "Elm Grove Primary School" in page


def test_governor_and_clerk_see_their_school(client, world, sign_in):
    school = world.school("Brookside Primary School")
    world.user("chair@example.org", roles=[(school, Role.CHAIR_OF_GOVERNORS)])
    world.user("clerk@example.org", roles=[(school, Role.CLERK)])
    for email, role in (("chair@example.org", "Chair of governors"), ("clerk@example.org", "Clerk to governors")):
        sign_in(email)
        page = text_of(client.get("/"))
        assert "Brookside Primary School" in page and f"You are: {role}" in page


def test_person_without_a_role_is_told_what_to_do(client, world, sign_in):
    world.user("new@example.org")
    sign_in("new@example.org")
    assert "You do not have a role at any school yet" in text_of(client.get("/"))


def test_adviser_home_queries_do_not_grow_with_schools(app, client, world, sign_in):
    adviser = world.user("adviser@example.org")
    sign_in("adviser@example.org")

    def queries_with(count):
        for n in range(count):
            school = world.school(f"School {count}-{n}")
            head = world.user(f"head{count}-{n}@example.org", roles=[(school, Role.HEADTEACHER)])
            with app.app_context():
                db.session.add(SchoolRole(user_id=adviser, school_id=school, role=Role.ADVISER))
                db.session.commit()
            assert head
        counter, stop = count_queries(app)
        try:
            assert client.get("/").status_code == 200
        finally:
            stop()
        return counter["n"]

    assert queries_with(2) == queries_with(15)
