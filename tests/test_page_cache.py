"""Pages served again from memory (portal/page_cache.py) are never older than the data (portal/data_stamp.py),
never another person's, and their forms still work."""

import re
import threading

import pytest
from sqlalchemy import select, text, update

from portal import data_stamp
from portal.extensions import db
from portal.schools.models import Role, School
from tests.conftest import text_of
from tests.servers import real_clock_only


@pytest.fixture
def pages(app):
    """The process's kept pages, emptied so counts start from nothing."""
    store = app.extensions["page_cache"]
    store.clear()
    store.served = store.kept = 0
    return store


@pytest.fixture
def caseload(world):
    la = world.local_authority()
    schools = {name: world.school(name) for name in ("Alder Primary", "Birch Academy")}
    adviser = world.user("adviser@example.org", "Priya Shah", roles=[(school, Role.ADVISER) for school in schools.values()])
    world.user("admin@example.org", "Ada Admin", is_la_admin=True)
    world.user("head@example.org", "Sarah Lewis", roles=[(schools["Alder Primary"], Role.HEADTEACHER)])
    return {"la": la, "adviser": adviser, **schools}


def _stamp(app):
    with app.app_context():
        return db.session.scalar(select(data_stamp.DataStamp.stamp))


def _rename(app, school_id, name):
    """A change committed outside any request, as another worker or the scheduler would make it."""
    with app.app_context():
        db.session.get(School, school_id).name = name
        db.session.commit()


def test_the_same_page_is_served_from_memory_until_something_changes(app, client, sign_in, caseload, pages):
    sign_in("adviser@example.org")
    first = client.get("/")
    assert pages.kept == 1 and pages.served == 0
    again = client.get("/")
    assert pages.served == 1 and text_of(again) == text_of(first)

    _rename(app, caseload["Alder Primary"], "Alder Community Primary")
    fresh = client.get("/")
    assert pages.served == 1, "a change anywhere means the page is worked out again"
    assert "Alder Community Primary" in text_of(fresh) and "Alder Primary " not in text_of(fresh)


def test_a_change_made_through_the_portal_shows_at_once(client, sign_in, caseload, pages):
    sign_in("adviser@example.org")
    assert "Watch Birch Academy" in text_of(client.get("/"))
    assert client.post(f"/schools/{caseload['Birch Academy']}/star", data={"back": "/"}).status_code == 302
    assert "Stop watching Birch Academy" in text_of(client.get("/"))
    assert pages.served == 0


def test_every_kind_of_write_through_the_session_changes_the_stamp(app, caseload):
    before = _stamp(app)
    with app.app_context():  # a bulk UPDATE bypasses the flush
        db.session.execute(update(School).where(School.id == caseload["Birch Academy"]).values(name="Birch College"))
        db.session.commit()
    after_bulk = _stamp(app)
    with app.app_context():  # so does plain SQL
        db.session.execute(text("UPDATE school SET head_name = 'J. Smith'"))
        db.session.commit()
    after_sql = _stamp(app)
    with app.app_context():  # reading and committing changes nothing
        db.session.scalar(select(School.name))
        db.session.commit()
    assert len({before, after_bulk, after_sql}) == 3 and _stamp(app) == after_sql


def test_a_change_rolled_back_leaves_the_stamp_alone(app, caseload):
    before = _stamp(app)
    with app.app_context():
        db.session.get(School, caseload["Alder Primary"]).name = "Never saved"
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert _stamp(app) == before


def test_each_person_gets_their_own_page(client, sign_in, caseload, pages):
    sign_in("admin@example.org")
    assert "Local authority overview" in text_of(client.get("/"))
    sign_in("head@example.org")
    head_page = text_of(client.get("/"))
    assert "Local authority overview" not in head_page and "Your schools" in head_page
    sign_in("adviser@example.org")
    assert "Schools you advise" in text_of(client.get("/"))
    assert pages.served == 0 and pages.kept == 3


def test_a_new_day_works_the_page_out_again(client, sign_in, caseload, pages, travel):
    travel("2026-11-25T23:55+00:00")
    sign_in("adviser@example.org")
    client.get("/")
    travel("2026-11-26T00:05+00:00")  # ten minutes on: still signed in, but another day
    client.get("/")
    assert pages.served == 0 and pages.kept == 2


def test_a_message_waiting_is_shown_once_and_the_page_is_not_kept_with_it(client, sign_in, caseload, pages):
    sign_in("adviser@example.org")
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Evidence verified")]
    assert "Evidence verified" in text_of(client.get("/"))
    assert "Evidence verified" not in text_of(client.get("/"))
    assert pages.served == 1 and pages.kept == 1


def test_a_hard_reload_asks_for_a_fresh_page(client, sign_in, caseload, pages):
    sign_in("adviser@example.org")
    client.get("/")
    client.get("/", headers={"Cache-Control": "no-cache"})
    client.get("/", headers={"Pragma": "no-cache"})
    assert pages.served == 0


def test_other_addresses_and_htmx_fragments_are_kept_apart(client, sign_in, caseload, pages):
    sign_in("admin@example.org")
    whole = client.get("/?q=Birch")
    fragment = client.get("/?q=Birch", headers={"HX-Request": "true", "HX-Target": "overview-rows"})
    other = client.get("/?q=Alder")
    assert "<html" in whole.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    assert "Alder Primary" in text_of(other) and "Alder Primary" not in text_of(whole)
    assert pages.served == 0 and pages.kept == 3


def test_errors_and_other_schools_pages_are_never_kept(client, sign_in, caseload, world, pages):
    elsewhere = world.school("Cedar Infant")
    sign_in("head@example.org")
    assert client.get(f"/schools/{elsewhere}").status_code == 404
    assert client.get(f"/schools/{elsewhere}").status_code == 404  # the access check runs on every request
    assert pages.kept == 0 and pages.served == 0


def test_turned_off_nothing_is_kept(app, client, sign_in, caseload, pages, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_MB", 0)
    sign_in("adviser@example.org")
    client.get("/")
    client.get("/")
    assert pages.kept == 0 and pages.served == 0


def test_a_page_served_from_memory_carries_this_requests_token_and_nonce(app, client, sign_in, caseload, pages,
                                                                          monkeypatch):
    sign_in("adviser@example.org")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client.get("/")
    with client.session_transaction() as session:  # a new session's token (as after signing in again)
        session.pop("csrf_token", None)
    served = client.get("/")
    assert pages.served == 1
    html = served.get_data(as_text=True)
    assert "\x00" not in html
    nonces = set(re.findall(r'nonce="([^"]+)"', html))
    assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in served.headers["Content-Security-Policy"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    starred = client.post(f"/schools/{caseload['Alder Primary']}/star", data={"csrf_token": token, "back": "/"})
    assert starred.status_code == 302, "the form on the page served from memory still works"
    assert "Stop watching Alder Primary" in text_of(client.get("/"))


@real_clock_only
def test_concurrent_writers_each_change_the_stamp_without_waiting_on_each_other(app, caseload):
    """Two transactions writing different rows at once both commit (the stamp is each one's last write)."""
    with app.app_context():
        sqlite = db.engine.url.get_backend_name() == "sqlite"
    keys = ("Alder Primary",) if sqlite else ("Alder Primary", "Birch Academy")  # SQLite: one writer at a time
    results, ready = [], threading.Barrier(len(keys))

    def write(school_id, name):
        with app.app_context():
            db.session.get(School, school_id).name = name
            db.session.flush()
            ready.wait(timeout=10)
            db.session.commit()
            results.append(name)

    threads = [threading.Thread(target=write, args=(caseload[key], key + " renamed")) for key in keys]
    before = _stamp(app)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(results) == len(threads) and _stamp(app) != before


def test_a_page_served_from_memory_has_the_same_headers(client, sign_in, caseload, pages):
    sign_in("adviser@example.org")
    first = client.get("/")
    again = client.get("/")
    assert pages.served == 1
    assert again.headers["Content-Type"] == first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(again.headers["Content-Length"]) == len(again.data)
    assert again.headers["Cache-Control"] == first.headers.get("Cache-Control")


def test_a_page_that_showed_a_message_its_view_flashed_is_not_kept(app):
    from flask import flash, get_flashed_messages, make_response

    from portal import page_cache

    with app.test_request_context("/"):
        get_flashed_messages()  # as the base template does
        assert page_cache._keepable(make_response("<p>Your schools</p>")) is not None
    with app.test_request_context("/"):
        flash("Evidence verified", "success")
        get_flashed_messages()
        assert page_cache._keepable(make_response("<p>Your schools</p>")) is None
