"""PORTAL_ENV=production refuses unsafe settings and data at start, with one message saying what to fix; a real
gunicorn master refuses before any worker starts, or serves /healthz with one JSON log line per request."""

import json

import pytest

from portal import create_app
from portal.extensions import db
from portal.production import UnsafeForProduction, data_problems, settings_problems
from tests.servers import real_clock_only, start_gunicorn, stop, wait_until_serving

SAFE = {"ENV_NAME": "production", "SECRET_KEY": "k" * 64, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db/portal",
        "SMTP_HOST": "smtp.council.example", "PUBLIC_URL": "https://improvement.council.example", "SCHEDULER_IN_WEB": False}


def test_safe_production_settings_pass():
    assert settings_problems(SAFE, workers=4) == []
    assert settings_problems({**SAFE, "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/portal.sqlite3"}, workers=1) == []


@pytest.mark.parametrize("change, workers, named", [
    ({"SECRET_KEY": "change-me"}, 1, "SECRET_KEY is a placeholder"),
    ({"SECRET_KEY": "short-but-not-a-placeholder"}, 1, "shorter than 32"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/portal.sqlite3"}, 3, "SQLite with 3 web workers"),
    ({"SMTP_HOST": ""}, 1, "No SMTP server"),
    ({"SCHEDULER_IN_WEB": True}, 2, "run 'flask --app portal scheduler' once"),
    ({"PUBLIC_URL": "http://improvement.council.example"}, 1, "https://"),
])
def test_each_unsafe_setting_is_named_with_its_fix(change, workers, named):
    (problem,) = settings_problems({**SAFE, **change}, workers=workers)
    assert named in problem


def test_create_app_lists_every_problem_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    with pytest.raises(UnsafeForProduction) as refused:
        create_app({"ENV_NAME": "production", "SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(refused.value.problems) == 3  # secret, SMTP, public URL (one process: SQLite may do)
    assert str(refused.value).startswith("Refusing to start with PORTAL_ENV=production:\n- SECRET_KEY")


def test_active_demo_accounts_are_a_problem(app, world):
    from portal.auth.models import User

    with app.app_context():
        assert data_problems(db.session) == []
    world.user("la.admin@example.org", "Alex Morgan", is_la_admin=True)
    with app.app_context():
        (problem,) = data_problems(db.session)
        assert "1 demo accounts" in problem
        db.session.query(User).filter_by(email="la.admin@example.org").one().active = False
        db.session.flush()
        assert data_problems(db.session) == []
        db.session.rollback()


def _gunicorn(tmp_path, workers):
    database = tmp_path / "portal.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "k" * 64})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return start_gunicorn({"PORTAL_ENV": "production", "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "k" * 64,
                           "SMTP_HOST": "127.0.0.1", "PORTAL_PUBLIC_URL": "https://improvement.council.example",
                           "PORTAL_UPLOAD_FOLDER": str(tmp_path / "uploads")}, workers)


@real_clock_only
def test_gunicorn_refuses_sqlite_with_several_workers_before_any_starts(tmp_path):
    process, _ = _gunicorn(tmp_path, workers=2)
    try:
        _, errors = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode != 0
    assert "Refusing to start with PORTAL_ENV=production" in errors and "SQLite with 2 web workers" in errors
    assert "Booting worker" not in errors


@real_clock_only
def test_gunicorn_serves_a_safe_production_portal_and_logs_each_request(tmp_path):
    process, base = _gunicorn(tmp_path, workers=1)
    try:
        response = wait_until_serving(process, base, headers={"X-Request-ID": "proxy-id-12345"})
        assert response.status_code == 200 and response.json()["database"] == "reachable"
        assert response.headers["X-Request-ID"] == "proxy-id-12345"
    finally:
        errors = stop(process)
    lines = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    assert {"request_id": "proxy-id-12345", "route": "/healthz", "status": 200}.items() <= lines[-1].items()
