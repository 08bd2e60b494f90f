from portal.schools.models import Role
from tests.conftest import PASSWORD, text_of
from tests.test_plans import brookside, year  # noqa: F401 (fixtures, shared)


def test_sign_in_page_renders(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert "Sign in" in text_of(response)


def test_home_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_headteacher_signs_in_and_lands_on_their_school(client, world):
    school = world.school("Brookside Primary School")
    world.school("Another School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)])
    response = client.post("/sign-in", data={"email": "Head@Example.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = text_of(client.get("/"))
    assert "Your schools" in page
    assert "Brookside Primary School" in page and "Headteacher" in page
    assert "Another School" not in page


def test_wrong_password_and_unknown_email_get_the_same_message(client, world):
    world.user("head@example.org")
    wrong_password = client.post("/sign-in", data={"email": "head@example.org", "password": "not-the-password"})
    unknown_email = client.post("/sign-in", data={"email": "nobody@example.org", "password": "not-the-password"})
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        page = text_of(response)
        assert "There is a problem" in page
        assert "Enter a correct email address and password" in page
        assert "not-the-password" not in response.get_data(as_text=True)
    assert text_of(wrong_password).replace("head@example.org", "X") == text_of(unknown_email).replace("nobody@example.org", "X")


def test_empty_form_says_what_to_enter(client):
    page = text_of(client.post("/sign-in", data={"email": "", "password": ""}))
    assert "Enter your email address" in page and "Enter your password" in page


def test_deactivated_user_cannot_sign_in(client, world):
    world.user("gone@example.org", active=False)
    response = client.post("/sign-in", data={"email": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter a correct email address and password" in text_of(response)


def test_sign_out_ends_the_session(client, world, sign_in):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    assert client.get("/").status_code == 200
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_copied_session_cookie_stops_working_once_its_owner_signs_out(app, client, sign_in, brookside):  # noqa: F811
    """Sign-out ends the session on the server: replaying the old cookie neither reads nor writes."""
    from portal.extensions import db
    from portal.plans.models import Priority
    from tests.test_plans import _plan_url, _ready_plan

    school_id = brookside[0]
    plan_id = _ready_plan(app, school_id)["plan"]
    sign_in("head@example.org")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get(f"/schools/{school_id}").status_code == 200  # the copy works while its owner is signed in
    added = thief.post(_plan_url(school_id, plan_id, "/priorities/new"), data={"title": "Added with the copy", "description": ""})
    assert added.status_code == 302 and not added.headers["Location"].startswith("/sign-in")

    client.post("/sign-out")
    assert thief.get(f"/schools/{school_id}").headers["Location"].startswith("/sign-in")
    refused = thief.post(_plan_url(school_id, plan_id, "/priorities/new"), data={"title": "Added after sign-out", "description": ""})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/sign-in")
    with app.app_context():
        titles = db.session.scalars(db.select(Priority.title)).all()
    assert "Added with the copy" in titles and "Added after sign-out" not in titles
    sign_in("head@example.org")  # signing in again starts a fresh session that works
    assert client.get(f"/schools/{school_id}").status_code == 200


def test_next_only_follows_local_paths(client, world):
    school = world.school()
    world.user("head@example.org", roles=[(school, Role.HEADTEACHER)])
    response = client.post("/sign-in?next=//evil.example/x", data={"email": "head@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post(f"/sign-in?next=/schools/{school}", data={"email": "head@example.org", "password": PASSWORD})
    assert response.headers["Location"] == f"/schools/{school}"


def session_cookie(response):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_flags(client, world):
    world.user("head@example.org")
    response = client.post("/sign-in", data={"email": "head@example.org", "password": PASSWORD})
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    client.post("/sign-out")
    secure = client.post("/sign-in", data={"email": "head@example.org", "password": PASSWORD}, base_url="https://localhost")
    assert "Secure" in session_cookie(secure)


def test_passwords_are_stored_as_argon2(app, world):
    from portal.auth.models import User
    from portal.extensions import db

    user_id = world.user("head@example.org")
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
