"""Records of visits across schools (/visits): who sees which visit, the filters, the order, and the cost.

The suite's day is Wednesday 25 November 2026; notes are due 5 working days after the visit, so draft notes of a
visit before Wednesday 18 November are overdue.
"""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.clock import LONDON
from portal.extensions import db
from portal.schools.models import Role, School, SchoolRole
from portal.terms.rules import add_closure_day, save_deadline_settings
from portal.visits import across, rules
from portal.visits.models import Verdict, Visit, VisitKind
from tests.conftest import count_queries, text_of

TODAY = date(2026, 11, 25)


def _visit(app, school_id, adviser_id, visited_on, state, kind=VisitKind.MONITORING, issued_on=None):
    """A visit whose notes are at ``state``: draft, issued, disputed, final, or lapsed (issued, never answered)."""
    with app.app_context():
        school, adviser = db.session.get(School, school_id), db.session.get(User, adviser_id)
        visit = rules.record_visit(school, adviser, visited_on=visited_on, kind=kind, today=visited_on)
        db.session.flush()
        if state != "draft":
            rules.save_notes(visit, summary="Reading is improving.", sections={})
            issued_on = issued_on or visited_on + timedelta(days=1)
            issued_at = datetime(issued_on.year, issued_on.month, issued_on.day, 9, tzinfo=LONDON)
            rules.issue(visit, adviser, today=issued_on, now=issued_at)
            if state == "final":
                rules.respond(visit, None, verdict=Verdict.ACCURATE, corrections={}, today=issued_on)
            elif state == "disputed":
                rules.respond(visit, None, verdict=Verdict.INACCURATE, corrections={"summary": "Writing, not reading."},
                              today=issued_on)
        db.session.commit()
        return visit.id


@pytest.fixture
def area(app, world):
    """Brookside and Hillview, advised by Priya; Castlefield, advised by Ola; visits at every stage."""
    a, b, c = world.school("Brookside Primary School"), world.school("Hillview Academy"), world.school("Castlefield Academy")
    priya = world.user("priya@example.org", "Priya Shah", roles=[(a, Role.ADVISER), (b, Role.ADVISER)])
    ola = world.user("ola@example.org", "Ola Nowak", roles=[(c, Role.ADVISER)])
    world.user("head.a@example.org", "Sarah Lewis", roles=[(a, Role.HEADTEACHER)])
    world.user("head.b@example.org", "Ben Hill", roles=[(b, Role.HEADTEACHER)])
    world.user("governor.a@example.org", "Kwame Mensah", roles=[(a, Role.GOVERNOR)])
    world.user("clerk.a@example.org", "Clare Clark", roles=[(a, Role.CLERK)])
    world.user("admin@example.org", "Ada Admin", is_la_admin=True)
    v = {
        "a_overdue": _visit(app, a, priya, date(2026, 11, 10), "draft"),  # due 17 November: overdue
        "a_draft": _visit(app, a, priya, date(2026, 11, 23), "draft", VisitKind.SUPPORT),  # due 30 November
        "a_issued": _visit(app, a, priya, date(2026, 11, 20), "issued", VisitKind.VERIFICATION, TODAY - timedelta(days=1)),
        "a_disputed": _visit(app, a, priya, date(2026, 11, 2), "disputed", issued_on=TODAY - timedelta(days=2)),
        "a_final": _visit(app, a, priya, date(2026, 10, 7), "final"),
        "a_lapsed": _visit(app, a, priya, date(2026, 10, 1), "lapsed"),  # answer was due 9 October: final by the rules
        "b_overdue": _visit(app, b, priya, date(2026, 11, 3), "draft", VisitKind.SUPPORT),
        "b_final": _visit(app, b, priya, date(2026, 9, 30), "final"),
        "c_final": _visit(app, c, ola, date(2026, 11, 4), "final"),
        "c_overdue": _visit(app, c, ola, date(2026, 10, 20), "draft"),
    }
    return {"a": a, "b": b, "c": c, "priya": priya, "ola": ola, "v": v}


def _listed(client, query=""):
    """The visit ids on /visits, in the order shown."""
    response = client.get(f"/visits{query}")
    assert response.status_code == 200
    return [int(found) for found in re.findall(r'href="/schools/\d+/visits/(\d+)"', response.get_data(as_text=True))]


def _ids(area, *names):
    return [area["v"][name] for name in names]


# --- who sees which visits ----------------------------------------------------------------------

def test_adviser_sees_the_visits_at_their_schools_only_overdue_first_then_newest(client, sign_in, area):
    sign_in("priya@example.org")
    assert _listed(client) == _ids(area, "a_overdue", "b_overdue",  # overdue, newest first
                                   "a_draft", "a_issued", "a_disputed", "a_final", "a_lapsed", "b_final")
    page = text_of(client.get("/visits"))
    assert "Visits at all your schools" in page and "Castlefield Academy" not in page and "Ola Nowak" not in page


def test_la_admin_sees_every_visit_at_every_school(client, sign_in, area):
    sign_in("admin@example.org")
    assert set(_listed(client)) == set(area["v"].values())
    assert "Visits at all schools" in text_of(client.get("/visits"))


@pytest.mark.parametrize("email", ["governor.a@example.org", "clerk.a@example.org"])
def test_governors_and_the_clerk_see_only_final_notes(client, sign_in, area, email):
    sign_in(email)
    assert _listed(client) == _ids(area, "a_final", "a_lapsed")
    assert _listed(client, "?status=draft") == [] and _listed(client, "?overdue=yes") == []
    assert "Visits at all your schools" in text_of(client.get("/visits"))


def test_a_headteacher_never_sees_another_schools_visits(client, sign_in, area):
    sign_in("head.a@example.org")
    a_visits = _ids(area, "a_overdue", "a_draft", "a_issued", "a_disputed", "a_final", "a_lapsed")
    assert _listed(client) == a_visits
    # Asking for the other school, or for the adviser who also advises it, finds nothing of it.
    assert _listed(client, f"?school={area['b']}") == []
    assert _listed(client, f"?school={area['c']}&status=final") == []
    assert _listed(client, f"?adviser={area['priya']}") == a_visits
    assert _listed(client, f"?adviser={area['ola']}") == []
    for query in ("", f"?school={area['b']}", f"?adviser={area['priya']}&status=final"):
        page = text_of(client.get(f"/visits{query}"))
        assert "Hillview Academy" not in page and "Castlefield Academy" not in page and "Ola Nowak" not in page
    sign_in("head.b@example.org")
    assert _listed(client) == _ids(area, "b_overdue", "b_final")
    assert _listed(client, f"?school={area['a']}") == []


def test_the_list_is_exactly_what_may_see_visit_allows(app, area, world):
    """For every person, the query's visits are the ones ``may_see_visit`` allows once the rules have run today
    (notes not answered in time are final), at the schools the person sees."""
    from portal.access import may_see_visit

    both = world.user("both@example.org", roles=[(area["a"], Role.GOVERNOR), (area["b"], Role.SENIOR_LEADER)])
    nobody = world.user("nobody@example.org")
    with app.app_context():
        people = db.session.scalars(select(User)).all()
        assert {both, nobody} <= {person.id for person in people}
        listed = {person.id: {visit.id for visit in across.visits_for(person, across.Filters(), TODAY, per_page=1000).page.items}
                  for person in people}
        rules.finalise_unanswered(TODAY)
        visits = db.session.scalars(select(Visit)).all()
        for person in people:
            allowed = {visit.id for visit in visits if may_see_visit(person, visit.school, visit)
                       and (person.is_la_admin or any(r.user_id == person.id for r in visit.school.roles))}
            assert listed[person.id] == allowed, person.email
        db.session.rollback()
    assert not listed[nobody]
    assert listed[both] == set(_ids(area, "a_final", "a_lapsed", "b_overdue", "b_final"))


# --- what each row says ---------------------------------------------------------------------------

def test_each_row_says_its_status_and_what_is_overdue_or_due(client, sign_in, area):
    sign_in("priya@example.org")
    html = client.get("/visits").get_data(as_text=True)
    rows = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, flags=re.S):
        link = re.search(r'/visits/(\d+)"', row)
        if link:
            rows[int(link.group(1))] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    v = area["v"]
    assert "Draft" in rows[v["a_overdue"]] and "Notes overdue" in rows[v["a_overdue"]]
    assert "Notes were due by 17 November 2026" in rows[v["a_overdue"]]
    assert "Notes due by 30 November 2026" in rows[v["a_draft"]] and "overdue" not in rows[v["a_draft"]]
    assert "Issued" in rows[v["a_issued"]] and "1 December 2026" in rows[v["a_issued"]]
    assert "Disputed" in rows[v["a_disputed"]]
    assert "Final" in rows[v["a_final"]] and "overdue" not in rows[v["a_final"]].lower()
    assert "Final" in rows[v["a_lapsed"]] and "did not answer by 9 October 2026" in rows[v["a_lapsed"]]
    assert "Brookside Primary School" in rows[v["a_final"]] and "Priya Shah" in rows[v["a_final"]]
    assert f'href="/schools/{area["a"]}/visits"' in html  # the school's own visits page


def test_overdue_follows_the_las_deadline_and_closure_days(app, client, sign_in, area):
    sign_in("priya@example.org")
    a_draft = area["v"]["a_draft"]  # visited Monday 23 November: with 1 working day, due Tuesday 24
    with app.app_context():
        save_deadline_settings(agenda_days=10, evidence_days=5, minutes_days=10, notes_days=1, notes_response_days=5)
        db.session.commit()
    assert a_draft in _listed(client, "?overdue=yes")
    with app.app_context():
        add_closure_day(date(2026, 11, 24), "Training day")  # now due Wednesday 25: today, not overdue
        db.session.commit()
    assert a_draft not in _listed(client, "?overdue=yes")


def test_notes_overdue_before_agrees_with_notes_due_on(ctx):
    add_closure_day(date(2026, 12, 1), "Training day")
    save_deadline_settings(agenda_days=10, evidence_days=5, minutes_days=10, notes_days=3, notes_response_days=5)
    db.session.commit()
    for today in (date(2026, 12, 2) + timedelta(days=n) for n in range(40)):  # across Christmas and a closure day
        before = rules.notes_overdue_before(today)
        for back in range(25):
            visit = Visit(visited_on=today - timedelta(days=back), kind=VisitKind.SUPPORT)
            assert (rules.notes_due_on(visit) < today) == (visit.visited_on < before), (today, visit.visited_on)


# --- filters --------------------------------------------------------------------------------------

def test_filter_by_notes_status(client, sign_in, area):
    sign_in("priya@example.org")
    assert _listed(client, "?status=draft") == _ids(area, "a_overdue", "b_overdue", "a_draft")
    assert _listed(client, "?status=issued") == _ids(area, "a_issued")  # the lapsed check is not waiting any more
    assert _listed(client, "?status=disputed") == _ids(area, "a_disputed")
    assert _listed(client, "?status=final") == _ids(area, "a_final", "a_lapsed", "b_final")
    assert len(_listed(client, "?status=nonsense")) == 8  # a value that names nothing is no filter


def test_filter_overdue_school_adviser_type_and_dates(client, sign_in, area):
    sign_in("admin@example.org")
    assert _listed(client, "?overdue=yes") == _ids(area, "a_overdue", "b_overdue", "c_overdue")
    assert _listed(client, f"?school={area['b']}") == _ids(area, "b_overdue", "b_final")
    assert _listed(client, f"?adviser={area['ola']}") == _ids(area, "c_overdue", "c_final")
    assert _listed(client, "?type=support") == _ids(area, "b_overdue", "a_draft")
    assert _listed(client, "?from=2026-11-01&to=2026-11-21") == _ids(area, "a_overdue", "b_overdue", "a_issued", "c_final",
                                                                     "a_disputed")
    assert _listed(client, f"?school={area['a']}&overdue=yes&type=monitoring") == _ids(area, "a_overdue")
    page = client.get(f"/visits?school={area['b']}&status=final").get_data(as_text=True)
    assert f'<option value="{area["b"]}" selected>' in page and '<option value="final" selected>' in page


def test_a_date_that_is_not_a_date_is_an_error_beside_its_field(client, sign_in, area):
    sign_in("priya@example.org")
    response = client.get("/visits?from=31/02/2026&to=2026-11-30")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: Visits at all your schools" in html
    assert 'href="#filter-from"' in html and 'id="filter-from-error"' in html
    assert len(_listed(client, "?from=31/02/2026")) == 8  # the broken date filters nothing
    assert _listed(client, "?from=20/11/2026") == _ids(area, "a_draft", "a_issued")  # typed without a date picker
    assert "must be the same as or after" in text_of(client.get("/visits?from=2026-11-20&to=2026-11-01"))


def test_the_filters_work_without_javascript_and_htmx_swaps_only_the_rows(client, sign_in, area):
    sign_in("priya@example.org")
    html = client.get("/visits").get_data(as_text=True)
    assert '<form method="get" action="/visits"' in html and 'hx-select="#visit-rows"' in html and 'hx-push-url="true"' in html
    fragment = client.get("/visits?status=disputed", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="visit-rows">') and "<html" not in body
    assert [int(i) for i in re.findall(r'/visits/(\d+)"', body)] == _ids(area, "a_disputed")
    broken = client.get("/visits?from=nonsense", headers={"HX-Request": "true"})
    assert broken.headers["HX-Retarget"] == "#main-content" and "filter-from-error" in broken.get_data(as_text=True)


def test_pages_keep_the_filters(app, client, sign_in, area):
    app.config["PAGE_SIZE"] = 2
    try:
        sign_in("priya@example.org")
        first = client.get("/visits?status=final").get_data(as_text=True)
        assert 'href="/visits?status=final&amp;page=2"' in first
        assert _listed(client, "?status=final&page=2") == _ids(area, "b_final")
    finally:
        app.config["PAGE_SIZE"] = 50


def test_the_schools_visits_page_links_here_only_for_people_who_see_several_schools(client, sign_in, area):
    sign_in("priya@example.org")
    assert "Visits at all your schools" in text_of(client.get(f"/schools/{area['a']}/visits"))
    sign_in("head.a@example.org")
    assert "Visits at all your schools" not in text_of(client.get(f"/schools/{area['a']}/visits"))


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/visits")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- cost -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["adviser", "la_admin", "governor"])
def test_queries_do_not_grow_with_visits_or_schools(app, client, world, sign_in, who):
    person = world.user("counted@example.org", is_la_admin=who == "la_admin")
    sign_in("counted@example.org")
    made = {"schools": 0}

    def queries_with(count):
        for n in range(count):
            made["schools"] += 1
            school = world.school(f"School {made['schools']}")
            recorder = world.user(f"adviser{made['schools']}@example.org", f"Adviser {made['schools']}",
                                  roles=[(school, Role.ADVISER)])
            if who != "la_admin":
                with app.app_context():
                    db.session.add(SchoolRole(user_id=person, school_id=school,
                                              role=Role.ADVISER if who == "adviser" else Role.GOVERNOR))
                    db.session.commit()
            for day, state in ((date(2026, 11, 2), "draft"), (date(2026, 11, 20), "issued"), (date(2026, 10, 5), "final")):
                _visit(app, school, recorder, day, state)
        counter, stop = count_queries(app)
        try:
            response = client.get("/visits")
            assert response.status_code == 200
        finally:
            stop()
        shown = len(re.findall(r'href="/schools/\d+/visits/\d+"', response.get_data(as_text=True)))
        assert shown == made["schools"] * (1 if who == "governor" else 3)
        return counter["n"]

    assert queries_with(2) == queries_with(12)
