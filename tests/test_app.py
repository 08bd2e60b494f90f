"""The app factory, configuration, database settings, error pages and security headers."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.schools.models import Role
from tests.conftest import count_queries, text_of


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists() and len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.internal/portal")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    app = create_app({"SECRET_KEY": "x" * 32})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user:pw@db.internal/portal"


def test_production_refuses_a_placeholder_secret(monkeypatch, tmp_path):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY is a placeholder"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "change-me", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_models(app):
    """`flask db check` in a test: a model change without a migration fails here (SQLite and PostgreSQL)."""
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    assert differences == []


def test_security_headers_and_csp_nonce(client):
    response = client.get("/sign-in")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "unsafe-inline" not in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_error_pages_in_the_portal_design(app, client, world, sign_in):
    school = world.school()
    world.user("head@example.org", roles=[(school, Role.HEADTEACHER)])
    sign_in("head@example.org")
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404 and "Page not found" in text_of(not_found)
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403 and "You do not have permission to see this page" in text_of(forbidden)
    not_allowed = client.get("/sign-out")
    assert not_allowed.status_code == 405 and "School improvement" in text_of(not_allowed)


def test_csrf_failure_and_oversized_upload_get_clear_pages(app, client, world, sign_in):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    app.config.update(WTF_CSRF_ENABLED=True)
    try:
        response = client.post("/admin/users/new", data={"name": "X", "email": "x@example.org"})
    finally:
        app.config.update(WTF_CSRF_ENABLED=False)
    assert response.status_code == 400 and "Your session has expired" in text_of(response)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        import io

        response = client.post("/admin/schools/import", data={"la_code": "870", "gias_file": (io.BytesIO(b"x" * 5000), "big.csv")},
                               content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and "The file is too large" in text_of(response)


def test_server_error_page(tmp_path):
    fresh = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}"})

    @fresh.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = fresh.test_client().get("/boom")
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in text_of(response)


_names = iter(range(10_000))


@pytest.mark.parametrize("path", ["/", "/admin/schools", "/admin/users", "/admin/audit-log"])
def test_queries_behind_a_page_do_not_grow_with_schools(app, client, world, sign_in, path):
    world.user("admin@example.org", is_la_admin=True)
    adviser = world.user("adviser@example.org")
    sign_in("admin@example.org")

    def queries_with(extra_schools):
        from portal.schools.models import SchoolRole

        with app.app_context():
            for _ in range(extra_schools):
                school = world.school(f"School {next(_names)}")
                db.session.add(SchoolRole(user_id=adviser, school_id=school, role=Role.ADVISER))
            db.session.commit()
        counter, stop = count_queries(app)
        try:
            assert client.get(path).status_code == 200
        finally:
            stop()
        return counter["n"]

    few = queries_with(2)
    many = queries_with(20)
    assert many == few, f"{path}: {few} queries with 2 schools, {many} with 22"


def test_htmx_requests_carry_the_csrf_token(app, client, world, sign_in):
    """base.html puts the token in hx-headers, so htmx posts pass CSRF protection."""
    import re

    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    app.config.update(WTF_CSRF_ENABLED=True)
    try:
        page = client.get("/admin/users/new").get_data(as_text=True)
        token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
        response = client.post("/admin/users/new", data={"name": "Via htmx", "email": "htmx@example.org"},
                               headers={"X-CSRFToken": token, "HX-Request": "true"})
    finally:
        app.config.update(WTF_CSRF_ENABLED=False)
    assert response.status_code == 302
