"""The SQL statements behind each main page do not grow with the local authority (issue 21).

The benchmark's LA dataset (bench/la.py: five years of the cycle behind every school) is built at two sizes in
databases of this test's own, and each main page is read as its person at both: the same statements at 200
schools as at 300. The timings and the 600-school figures are the benchmark's (``make bench``); this is the
fast, deterministic part CI runs. SQLite only: the count does not depend on the database, and building the data
twice more on PostgreSQL would add minutes to CI.
"""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from bench import la
from portal import clock, create_app
from portal.extensions import db

SIZES = (200, 300)
pytestmark = pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="statement counts are checked on SQLite")


def _statements_per_page(folder, schools):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "CHEAPEST", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/la.sqlite3",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "MAIL_FOLDER": str(folder / "mail"),
                      "IMPORT_FOLDER": str(folder / "imports")})
    with app.app_context():
        upgrade()
        la.build(schools=schools)
        pages = la.sample_pages()
        engine = db.engine
    found, served, clients = {}, {}, {}
    with clock.as_of(la.PAGES_AT):
        for label, email, path in pages:
            if email not in clients:
                clients[email] = app.test_client()
                assert clients[email].post("/sign-in", data={"email": email, "password": la.PASSWORD}).status_code == 302
            client = clients[email]
            assert client.get(path).status_code == 200, label  # the first read may fill per-process caches
            statements = []

            def count(conn, cursor, statement, *args):
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            try:  # worked out, as after any change (not served from memory: portal/page_cache.py)
                response = client.get(path, headers={"Cache-Control": "no-cache"})
                worked_out = len(statements)
                statements.clear()
                again = client.get(path)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200 and again.status_code == 200, label
            found[label.split(" (")[0]] = worked_out
            served[label.split(" (")[0]] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return found, served


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    """{schools: (statements per page worked out, statements per page served again)}."""
    return {schools: _statements_per_page(tmp_path_factory.mktemp(f"la{schools}"), schools) for schools in SIZES}


@pytest.fixture(scope="module")
def statements(counted):
    return {schools: worked_out for schools, (worked_out, _) in counted.items()}


def test_every_main_page_takes_the_same_statements_at_either_size(statements):
    smaller, larger = (statements[size] for size in SIZES)
    assert set(smaller) == set(larger)
    assert len(smaller) >= 12  # each role's home, overview, moderation, school, plan, meeting, evidence, ...
    grew = {page: (smaller[page], larger[page]) for page in smaller if smaller[page] != larger[page]}
    assert grew == {}


def test_every_main_page_takes_at_most_fifteen_statements(statements):
    """Issue 21's budget: the home pages gather a dozen to-do panels and the overview in fifteen."""
    over = {page: count for page, count in statements[SIZES[-1]].items() if count > 15}
    assert over == {}


def test_a_page_asked_for_again_with_nothing_changed_is_served_from_memory(counted):
    """Only the signed-in person (with the data stamp) is read, and for a school's page the school, for the access
    check; the minutes page also reads its latest version with its actions (one statement), to check them against
    the digest anew."""
    served = counted[SIZES[-1]][1]
    again = {page: count for page, count in served.items() if page != "Minutes page"}
    assert again and max(again.values()) <= 2 and again["LA admin home"] == 1, str(again)
    assert served["Minutes page"] == 3
