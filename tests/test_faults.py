"""Faults a real server meets: killed in the middle of an upload (nothing half-written is ever recorded, and the
unfinished file goes at the next start at the latest), several processes writing to SQLite at once, and the
database restarted under it."""

import os
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.evidence.models import EvidenceFile
from portal.evidence.storage import LocalStorage
from portal.extensions import db
from tests.servers import (ThrowawayPostgreSQL, csrf_token, kill, real_clock_only, signed_in, start_gunicorn, stop,
                           wait_until_serving)
from tests.test_evidence import PDF, school  # noqa: F401 - the fixture

pytestmark = real_clock_only


def _parts(folder) -> list[Path]:
    return sorted(Path(folder).glob("*/*.part"))


def test_a_server_killed_mid_upload_records_nothing_and_its_unfinished_file_goes_at_the_next_start(
        app, school, tmp_path):
    uploads = tmp_path / "uploads"
    environment = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "k" * 64,
                   "PORTAL_UPLOAD_FOLDER": str(uploads)}
    process, base = start_gunicorn(environment)
    try:
        assert wait_until_serving(process, base).status_code == 200
        browser = signed_in(base, "head@example.org")
        form = f"/schools/{school['id']}/evidence/new"
        token = csrf_token(browser.get(f"{base}{form}").text)
        boundary = "killed-mid-upload"
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nYear 6 reading\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
                f"Content-Type: application/pdf\r\n\r\n").encode() + PDF
        total = len(head) + 40 * 1024 * 1024  # announced; a quarter of it is sent before the server dies
        cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        upload = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])))
        upload.sendall((f"POST {form} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
                        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n")
                       .encode() + head)
        piece = b"\0" * (1024 * 1024)
        for _ in range(10):
            upload.sendall(piece)
        deadline = time.monotonic() + 20
        while not _parts(uploads) or _parts(uploads)[0].stat().st_size < 5 * 1024 * 1024:
            assert time.monotonic() < deadline, "the upload was not being written"
            time.sleep(0.05)
    except BaseException:
        stop(process)
        raise
    kill(process)
    upload.close()
    (unfinished,) = _parts(uploads)
    assert [path for path in uploads.rglob("*") if path.is_file()] == [unfinished]  # nothing kept under a real key
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0  # nothing recorded

    process, base = start_gunicorn(environment)
    try:
        assert wait_until_serving(process, base).status_code == 200
        assert _parts(uploads) == []  # removed before the first worker started
    finally:
        errors = stop(process)
    assert "Removed 1 unfinished uploads" in errors


def test_the_scheduler_removes_only_parts_left_untouched(tmp_path):

    storage = LocalStorage(tmp_path)
    old, arriving = storage.part_path("00/" + "0" * 32), storage.part_path("11/" + "1" * 32)
    old.write_bytes(b"left by a killed worker")
    arriving.write_bytes(b"still arriving")
    a_day_ago = time.time() - 25 * 60 * 60
    os.utime(old, (a_day_ago, a_day_ago))
    assert storage.remove_unfinished(older_than_seconds=24 * 60 * 60) == 1
    assert _parts(tmp_path) == [arriving]


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="SQLite's locking is what is tested (PostgreSQL locks rows, not the database)")
def test_two_web_workers_and_the_scheduler_writing_at_once_never_fail(app, world, school, tmp_path):
    """Six people star and unstar schools and sign in again through two gunicorn workers while the scheduler runs
    in a loop beside them: on SQLite (WAL, busy timeout) no request fails with "database is locked"."""
    import threading

    from portal.reminders import scheduler
    from portal.schools.models import Role

    people = [world.user(f"governor{number}@example.org", f"Governor {number}", roles=[(school["id"], Role.GOVERNOR)])
              for number in range(6)]
    process, base = start_gunicorn({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "k" * 64,
                                    "PORTAL_UPLOAD_FOLDER": str(tmp_path / "uploads")}, workers=2)
    statuses, failures, done = [], [], threading.Event()

    def person(number):
        try:
            for _ in range(3):
                browser = signed_in(base, f"governor{number}@example.org")
                token = csrf_token(browser.get(f"{base}/").text)
                for _ in range(8):
                    response = browser.post(f"{base}/schools/{school['id']}/star", data={"csrf_token": token, "back": "/"},
                                            allow_redirects=False)
                    statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    def scheduler_loop():
        try:
            while not done.is_set():
                scheduler.run_once(app)
        except Exception as error:  # noqa: BLE001
            failures.append(error)

    try:
        assert wait_until_serving(process, base).status_code == 200
        threads = [threading.Thread(target=person, args=(number,)) for number in range(len(people))]
        background = threading.Thread(target=scheduler_loop)
        background.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        background.join()
    finally:
        errors = stop(process)
    assert failures == [] and len(statuses) == 6 * 3 * 8 and set(statuses) == {302}
    assert "database is locked" not in errors and '"status":500' not in errors


@pytest.mark.skipif(not ThrowawayPostgreSQL.available(), reason="needs root and PostgreSQL's server programs")
def test_postgresql_restarted_while_the_portal_runs(tmp_path):
    """Requests while the database is down get the portal's error page; the next ones work (stale connections are
    noticed by pool pre-ping); a write that was refused left nothing half-done."""
    from portal import create_app
    from portal.schools.models import Role, SchoolStar
    from tests.conftest import World

    database = ThrowawayPostgreSQL()
    try:
        portal = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": "k" * 64,
                             "PASSWORD_HASH_PROFILE": "CHEAPEST", "UPLOAD_FOLDER": str(tmp_path / "uploads")})
        with portal.app_context():
            from flask_migrate import upgrade

            upgrade()
        school_id = World(portal).school()
        World(portal).user("head@example.org", roles=[(school_id, Role.HEADTEACHER)])
        with portal.app_context():
            db.engine.dispose()
        process, base = start_gunicorn({"DATABASE_URL": database.url, "SECRET_KEY": "k" * 64,
                                        "PORTAL_UPLOAD_FOLDER": str(tmp_path / "uploads")})
        try:
            assert wait_until_serving(process, base).status_code == 200
            browser = signed_in(base, "head@example.org")
            token = csrf_token(browser.get(f"{base}/").text)
            database.stop()
            down = browser.get(f"{base}/schools/{school_id}")
            assert down.status_code == 500 and "Sorry, there is a problem with the service" in down.text
            refused = browser.post(f"{base}/schools/{school_id}/star", data={"csrf_token": token, "back": "/"},
                                   allow_redirects=False)
            assert refused.status_code == 500
            down_health = browser.get(f"{base}/healthz")
            assert down_health.status_code == 503
            database.start()
            assert browser.get(f"{base}/schools/{school_id}").status_code == 200  # the same session, a new connection
            assert browser.get(f"{base}/healthz").json()["database"] == "reachable"
        finally:
            errors = stop(process)
        assert "Traceback" in errors  # the failures are in the log, not on the page
        with portal.app_context():
            assert db.session.scalars(select(SchoolStar)).all() == []  # the refused write left nothing
            db.engine.dispose()
    finally:
        database.remove()
