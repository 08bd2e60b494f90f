"""The LA's settings kept between requests (portal/settings_cache.py): read once a process, and never stale.

Every worker keeps term dates, closure days and deadline offsets under the settings stamp; these tests change them
the ways a deployment does (another worker's committed change, a bulk insert, a rolled-back change) and read pages
straight after.
"""

from datetime import date

import pytest
from sqlalchemy import delete, event, insert

from portal.extensions import db
from portal.settings_cache import SettingsStamp
from portal.terms.models import AcademicYear, ClosureDay
from portal.terms.rules import add_closure_day, closure_days, half_term_on, save_deadline_settings, save_term_dates
from tests.conftest import count_queries

AUTUMN_2026 = [(date(2026, 9, 3), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
               (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 3, 26)),
               (date(2027, 4, 12), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 21))]
SETTINGS_TABLES = ("academic_year", "half_term", "closure_day", "deadline_settings")


@pytest.fixture
def admin(app, world, sign_in):
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    with app.app_context():
        save_term_dates(None, 2026, AUTUMN_2026)
        db.session.commit()
    sign_in("admin@example.org")


def _settings_statements(app, client, path="/admin/term-dates"):
    """The statements a GET of ``path`` sends to the settings tables, and the page."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        if any(f"FROM {table}" in statement for table in SETTINGS_TABLES):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return seen, response.get_data(as_text=True)


def test_a_process_reads_the_settings_once_not_on_every_request(app, client, admin):
    _settings_statements(app, client)
    again, page = _settings_statements(app, client)
    assert again == []
    assert "2026 to 2027" in page


def test_the_stamp_comes_with_the_signed_in_person_not_in_a_statement_of_its_own(app, client, admin):
    counter, stop = count_queries(app)
    client.get("/admin/term-dates")
    first = counter["n"]
    counter["n"] = 0
    client.get("/admin/term-dates")
    stop()
    assert counter["n"] < first


def test_a_change_another_worker_commits_is_seen_by_the_next_request(app, client, admin):
    _settings_statements(app, client)
    with app.app_context():  # a transaction of its own, as another worker's would be
        save_deadline_settings(agenda_days=12, evidence_days=4, minutes_days=8)
        add_closure_day(date(2027, 1, 4), "LA training day")
        db.session.commit()
    reloaded, page = _settings_statements(app, client)
    assert reloaded and 'value="12"' in page and 'value="4"' in page
    assert _settings_statements(app, client)[0] == []
    with app.test_request_context():
        assert closure_days() == frozenset({date(2027, 1, 4)})


def test_rows_changed_in_bulk_change_the_stamp_too(app, client, admin):
    _settings_statements(app, client)
    with app.app_context():
        db.session.execute(insert(AcademicYear).values(start_year=2027))
        db.session.commit()
    _, page = _settings_statements(app, client)
    assert "2027 to 2028" in page


def test_a_change_rolled_back_is_not_kept(app, admin):
    with app.test_request_context():
        assert closure_days() == frozenset()
        db.session.add(ClosureDay(day=date(2027, 1, 4), reason="Not after all"))
        db.session.flush()
        assert closure_days() == frozenset({date(2027, 1, 4)})  # the request sees its own change
        db.session.rollback()
        assert closure_days() == frozenset()
    with app.test_request_context():
        assert closure_days() == frozenset()


def test_rows_kept_between_requests_belong_to_each_request_s_session(app, client, admin):
    _settings_statements(app, client)
    with app.test_request_context():
        half_term = half_term_on(date(2026, 12, 1))
        assert half_term.name == "Autumn 2" and half_term in db.session
        assert half_term.academic_year.start_year == 2026  # relationships work as if loaded here


def test_without_a_stamp_nothing_is_kept_and_every_answer_is_right(app, client, admin):
    with app.app_context():
        db.session.execute(delete(SettingsStamp))
        db.session.commit()
    _settings_statements(app, client)
    again, page = _settings_statements(app, client)
    assert again and "2026 to 2027" in page
