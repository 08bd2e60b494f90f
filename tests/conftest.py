"""Fixtures: one app per session on a migrated database, cleaned after every test.

SQLite in a temporary folder by default; set TEST_DATABASE_URL to run the same
suite against PostgreSQL (``.ci/run`` does).

Every test runs on a pinned clock (``TEST_NOW``, an ordinary Wednesday in the autumn term), so no test
depends on the day it runs; the ``travel`` fixture moves it for tests about other days.
"""

import os
import re
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import time_machine
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from portal import create_app
from portal.extensions import db
from tests.pages import check_fragment, check_page

PASSWORD = "correct-horse-battery"

# The day the suite lives on: Wednesday 25 November 2026, 10:00 in London, in the autumn term's second half.
TEST_NOW = datetime.fromisoformat("2026-11-25T10:00:00+00:00")


@pytest.fixture(autouse=True)
def pinned_clock():
    """Pin the portal's clock (and every other reader of the time) to ``TEST_NOW``; it ticks on from there."""
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def travel(pinned_clock):
    """Move the pinned clock: ``travel("2027-05-31T09:00+01:00")`` or a datetime; it keeps ticking from there."""

    def _travel(destination):
        moment = datetime.fromisoformat(destination) if isinstance(destination, str) else destination
        pinned_clock.move_to(moment)
        return moment

    return _travel


class CheckedClient(FlaskClient):
    """A test client that checks every HTML page it fetches (valid, one h1, title, unique ids)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        headers = kwargs.get("headers") or {}
        if response.mimetype == "text/html" and response.status_code < 500 and response.data:
            if "X-File-Name" in headers and response.status_code == 201:  # a file sent as chosen: its line, for a list
                check_fragment(response.get_data(as_text=True))
            elif "HX-Request" not in headers:
                check_page(response.get_data(as_text=True))
        return response


def _database_of_this_worker(url):
    """With pytest-xdist each worker needs a PostgreSQL database of its own (SQLite: its own temporary folder)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgresql"):
        return url, None
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database}_{worker}"
    server = create_engine(given.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return given.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    database_url, drop_database = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL"))
    database_url = database_url or f"sqlite:///{instance / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "MAIL_FOLDER": str(instance / "mail"),
            "IMPORT_FOLDER": str(instance / "imports"),
            "SERVER_NAME": None,
            # PostgreSQL: no disk flush on each of the thousands of commits (test data is thrown away anyway).
            **({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                              "connect_args": {"options": "-c synchronous_commit=off"}}}
               if database_url.startswith("postgresql") else {}),
        }
    )
    app.test_client_class = CheckedClient
    with app.app_context():
        upgrade()
    yield app
    if drop_database is not None:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's: a request context held open for the whole test would keep
    one database session across every request the test makes, hiding real behaviour."""
    yield


@pytest.fixture
def client(app):
    """Replace pytest-flask's, which keeps the last request's context pushed (``with client``)."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    with app.app_context():
        db.session.remove()
        # DELETE, children first, on both databases: on PostgreSQL it is far quicker than TRUNCATE for the few
        # rows a test writes (TRUNCATE swaps every table's files). Ids keep counting up; no test relies on them.
        deletes = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
        if db.session.get_bind().dialect.name == "postgresql":  # all in one round trip (no parameters, so psycopg
            db.session.connection().exec_driver_sql("; ".join(deletes))  # sends them as one simple query)
        else:
            for delete in deletes:
                db.session.execute(text(delete))
        # The kinds of meeting every database starts with: back for the next test, as its migration adds them
        # (a plain insert, not audited: no test should find audit entries it did not cause).
        from portal.meetings.kinds import DEFAULT_KINDS
        from portal.meetings.models import MeetingType

        db.session.execute(MeetingType.__table__.insert(), [
            {"key": key, "name": name, "description": "", "reviews_plan": reviews_plan, "active": True, "position": position}
            for position, (key, name, reviews_plan) in enumerate(DEFAULT_KINDS)])
        db.session.commit()


@pytest.fixture
def ctx(app):
    """An app context for tests that call rules directly."""
    with app.app_context():
        yield
        db.session.remove()


class World:
    """A small LA: builds schools and people for a test, committed to the database."""

    def __init__(self, app):
        self.app = app

    def local_authority(self):
        from portal.schools.models import LocalAuthority

        with self.app.app_context():
            la = db.session.scalar(db.select(LocalAuthority).where(LocalAuthority.code == "870"))
            if la is None:
                la = LocalAuthority(code="870", name="Test Borough")
                db.session.add(la)
                db.session.commit()
            return la.id

    def school(self, name="Brookside Primary School", urn=None, phase="Primary"):
        from portal.schools.models import School

        la_id = self.local_authority()
        with self.app.app_context():
            urn = urn or 100000 + (db.session.scalar(db.select(db.func.count()).select_from(School)) or 0) + 1
            school = School(urn=urn, name=name, phase=phase, local_authority_id=la_id, establishment_type="Community school")
            db.session.add(school)
            db.session.commit()
            return school.id

    def user(self, email, name=None, *, roles=(), is_la_admin=False, active=True):
        """``roles``: [(school_id, Role)]."""
        from portal.auth.models import User
        from portal.auth.passwords import hash_password
        from portal.schools.models import SchoolRole

        with self.app.app_context():
            user = User(email=email, name=name or email.split("@")[0].replace(".", " ").title(),
                        password_hash=hash_password(PASSWORD), is_la_admin=is_la_admin, active=active)
            db.session.add(user)
            for school_id, role in roles:
                db.session.add(SchoolRole(user=user, school_id=school_id, role=role))
            db.session.commit()
            return user.id


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture
def sign_in(client):
    """Sign in through the real form, as a person would."""

    def _sign_in(email, password=PASSWORD):
        client.delete_cookie("session")
        response = client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302, f"sign-in as {email} failed"
        return response

    return _sign_in


@contextmanager
def disk_full_past(size: int):
    """A full disk, played by a file size limit on this process: a write past ``size`` bytes fails (SIGXFSZ is
    ignored meanwhile, so the write raises rather than the process stopping)."""
    import resource
    import signal

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def text_of(response) -> str:
    """The page's visible text with white space folded, for assertions about what a user reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def a_date(text_value: str) -> date:
    return date.fromisoformat(text_value)


def count_queries(app):
    """Count the SQL statements the app sends until the returned ``stop`` is called."""
    counter = {"n": 0}

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    return counter, lambda: event.remove(engine, "before_cursor_execute", before)


def statements_behind(app, client, url):
    """The SQL statements behind a GET of ``url`` once this process holds the LA's settings: the first read after a
    change to them loads them (portal/settings_cache.py), and that is not what these counts are about. The page is
    worked out, not served from memory (portal/page_cache.py): the count is of the work behind it."""
    assert client.get(url).status_code == 200, url
    counter, stop = count_queries(app)
    try:
        response = client.get(url, headers={"Cache-Control": "no-cache"})
    finally:
        stop()
    assert response.status_code == 200, url
    return counter["n"]


class _Inbox:
    """What a real SMTP server (aiosmtpd) on loopback received: ``messages``, and ``deliveries`` as (recipients, message)."""

    def __init__(self):
        self.messages = []
        self.deliveries = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        self.deliveries.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server the portal sends to; app config points at it for the test."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config[key] for key in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    yield inbox
    app.config.update(saved)
    controller.stop()
