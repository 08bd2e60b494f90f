"""The LA overview and adviser caseload: columns, overdue items, filters, sort, stars, downloads, statements per page."""

import io
from datetime import date, datetime, time, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import select

from portal.categories import rules as category_rules
from portal.evidence import rules as evidence_rules
from portal.evidence.models import Decision
from portal.extensions import db
from portal.home.overview import confirmation_due_on, overview_rows, verification_due_on
from portal.meetings import rules as meeting_rules
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.terms.rules import half_term_on, save_term_dates
from portal.visits import rules as visit_rules
from portal.visits.models import VisitKind
from tests.categories_helpers import build_scheme, decide
from tests.conftest import statements_behind, text_of
from tests.test_meetings import YEAR


@pytest.fixture
def borough(app, world):
    """Two schools with a plan each (one agreed, one meeting each), an adviser for both, a head, the LA admin."""
    alder, birch = world.school("Alder Primary", urn=111111), world.school("Birch Academy", urn=222222, phase="Secondary")
    cedar = world.school("Cedar Infant", urn=333333)
    people = {
        "adviser": world.user("adviser@example.org", "Ada Adviser", roles=[(alder, Role.ADVISER), (birch, Role.ADVISER)]),
        "head": world.user("head@example.org", "Hal Head", roles=[(alder, Role.HEADTEACHER)]),
        "admin": world.user("admin@example.org", is_la_admin=True),
    }
    with app.app_context():
        from portal.auth.models import User

        year = save_term_dates(None, *YEAR)
        adviser = db.session.get(User, people["adviser"])
        for school_id in (alder, birch):
            school = db.session.get(School, school_id)
            plan = _plan_with_a_criterion(school, year)
            if school_id == alder:
                plan_rules.agree(plan, adviser)
            # A review next week: its agenda (10 working days before) is already overdue on 25 November.
            meeting_rules.schedule_meeting(school, None, kind="rap_review", meets_on=date(2026, 12, 2),
                                           starts_at=time(16), ends_at=time(17), plan=plan, closures=frozenset())
        version = build_scheme()
        autumn = category_rules.start_round(name="Autumn", opens_on=date(2026, 10, 1), proposals_due_on=date(2026, 10, 20))
        decide(autumn, db.session.get(School, alder), adviser, None, "Concern")
        decide(autumn, db.session.get(School, birch), adviser, None, "Steady")
        category_rules.publish_round(autumn, None, date(2026, 10, 21))
        db.session.commit()
        assert version
    return {"alder": alder, "birch": birch, "cedar": cedar, **people}


def _plan_with_a_criterion(school, year):
    """A RAP with one priority, action and success criterion, not yet agreed."""
    plan = plan_rules.create_plan(school, None, kind=PlanKind.RAP, title="Plan", academic_year=year)
    priority = plan_rules.save_priority(plan, None, title="Reading", description="")
    plan_rules.save_action(priority, None, description="Phonics", owner="", starts_on=None, due_on=None, cost="")
    plan_rules.save_criterion(priority, None, description="85% pass", milestones={})
    db.session.flush()
    return plan


def _rows(app, today):
    with app.app_context():
        schools = db.session.scalars(select(School).order_by(School.name)).all()
        return {row.school.name: row for row in overview_rows(schools, today)}


def test_overdue_agendas_and_the_next_meeting(app, borough):
    rows = _rows(app, date(2026, 11, 25))
    alder = rows["Alder Primary"]
    assert alder.next_meeting.meets_on == date(2026, 12, 2)
    assert [(item.kind, item.due_on) for item in alder.overdue] == [("agenda", date(2026, 11, 18))]
    assert alder.category.name == "Concern" and alder.movement.word == "new"
    assert rows["Cedar Infant"].overdue == [] and rows["Cedar Infant"].category is None


def test_a_long_list_of_schools_finds_the_same_meetings(app, world, borough):
    """Past LONG_LIST schools the ids go to PostgreSQL as one array (SQLite keeps the IN list): the same answers."""
    from portal.many_values import LONG_LIST

    for n in range(LONG_LIST + 5):
        world.school(f"Zeta School {n:02}")
    rows = _rows(app, date(2026, 11, 25))
    assert len(rows) > LONG_LIST
    assert [(item.kind, item.due_on) for item in rows["Alder Primary"].overdue] == [("agenda", date(2026, 11, 18))]
    assert rows["Birch Academy"].next_meeting.meets_on == date(2026, 12, 2)
    assert all(row.overdue == [] and row.next_meeting is None for name, row in rows.items() if name.startswith("Zeta"))
    with app.app_context():  # and "has evidence" is true of the one meeting with evidence submitted
        from portal.meetings.models import ReviewMeeting
        from portal.meetings.rules import has_evidence_column

        meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.school_id == borough["alder"]))
        evidence_rules.submit(meeting.school, None, meeting=meeting, title="Book looks", narrative="Reading books",
                              criteria=meeting.plan.success_criteria, files=[])
        db.session.commit()
        found = dict(db.session.execute(select(ReviewMeeting.school_id, has_evidence_column())).all())
        assert found == {borough["alder"]: True, borough["birch"]: False}


def test_verification_is_overdue_only_in_the_half_terms_last_ten_working_days(app, borough):
    with app.app_context():
        half_term = half_term_on(date(2026, 11, 25))
        due = verification_due_on(half_term)
    assert due == date(2026, 12, 4)  # 10 working days before Friday 18 December
    before = _rows(app, due)
    after = _rows(app, due + timedelta(days=3))  # Monday 7 December
    assert "verification" not in before["Alder Primary"].overdue_kinds
    assert "verification" in after["Alder Primary"].overdue_kinds
    assert "verification" not in after["Birch Academy"].overdue_kinds  # no agreed plan: nothing to verify


def test_last_verification_and_visit_count_only_this_half_term(app, borough):
    with app.app_context():
        from portal.auth.models import User

        alder = db.session.get(School, borough["alder"])
        adviser = db.session.get(User, borough["adviser"])
        meeting = meeting_rules.school_meetings(alder)[0]
        item = evidence_rules.submit(alder, None, meeting=meeting, title="Book looks", narrative="Books show progress",
                                     criteria=meeting.plan.success_criteria, files=[], today=date(2026, 10, 20))
        db.session.flush()
        evidence_rules.decide(item, adviser, decision=Decision.VERIFIED, comment="", today=date(2026, 10, 23))
        visit_rules.record_visit(alder, adviser, visited_on=date(2026, 10, 23), kind=VisitKind.MONITORING, today=date(2026, 10, 23))
        db.session.commit()
    last_day = _rows(app, date(2026, 10, 23))["Alder Primary"]
    assert last_day.last_visited_on == date(2026, 10, 23) and last_day.last_verified_on is not None
    next_half_term = _rows(app, date(2026, 11, 2))["Alder Primary"]
    assert next_half_term.last_visited_on is None and next_half_term.last_verified_on is None


def test_minutes_waiting_long_for_confirmation_are_overdue_however_old_the_meeting(app, borough):
    """A meeting months back is outside the window the overview reads for agendas and evidence, but minutes of it
    still waiting for the governors are overdue; the meeting's agenda, long past, is not listed."""
    from portal import clock
    from portal.minutes import rules as minutes_rules

    with app.app_context():
        alder = db.session.get(School, borough["alder"])
        held = meeting_rules.schedule_meeting(alder, None, kind="rap_review", meets_on=date(2026, 6, 10),
                                              starts_at=time(16), ends_at=time(17), plan=None, closures=frozenset())
        version = minutes_rules.start_version(held, None)
        minutes_rules.save_draft(version, attendance="Hal Head", apologies="", discussion=[], decisions="Agreed.",
                                 summary="", actions=[])
        with clock.as_of(datetime(2026, 6, 12, 10, tzinfo=timezone.utc)):
            minutes_rules.circulate(version, held)
        db.session.commit()
        held_id = held.id
    alder = _rows(app, date(2026, 11, 25))["Alder Primary"]
    confirmation = [item for item in alder.overdue if item.kind == "confirmation"]
    assert [(item.due_on, item.meeting.id) for item in confirmation] == [(date(2026, 6, 17), held_id)]
    assert [item.kind for item in alder.overdue if item.meeting is not None and item.meeting.id == held_id] == ["confirmation"]


def test_every_open_intervention_step_newest_first_and_none_settled(app, borough):
    from portal.intervention import rules as intervention_rules
    from portal.intervention.models import StepKind

    with app.app_context():
        birch = db.session.get(School, borough["birch"])
        first, *_ = [intervention_rules.record_step(birch, None, kind=StepKind.WARNING_NOTICE, issued_on=issued_on,
                                                    today=date(2026, 11, 25))
                     for issued_on in (date(2026, 9, 14), date(2026, 10, 5), date(2026, 11, 2))]
        db.session.flush()
        intervention_rules.close_step(first, outcome="Complied", today=date(2026, 11, 25))
        db.session.commit()
    rows = _rows(app, date(2026, 11, 25))
    assert [step.issued_on for step in rows["Birch Academy"].intervention] == [date(2026, 11, 2), date(2026, 10, 5)]
    assert rows["Alder Primary"].intervention == [] and rows["Alder Primary"].plan is not None


def test_half_term_duties_count_waiting_evidence_even_when_no_school_is_listed(app, borough):
    """The home page's verification and visit panel: one statement, and the count survives an empty list."""
    from portal.auth.models import User
    from portal.home.rules import half_term_duties

    today = date(2026, 11, 25)
    with app.app_context():
        alder = db.session.get(School, borough["alder"])
        adviser, admin = db.session.get(User, borough["adviser"]), db.session.get(User, borough["admin"])
        head = db.session.get(User, borough["head"])
        assert half_term_duties(head, today) is None  # neither advises nor runs the LA
        duties = half_term_duties(admin, today)
        assert (duties["waiting"], [s.name for s in duties["not_verified"]], duties["not_verified_count"],
                duties["not_visited"]) == (0, ["Alder Primary"], 1, [])
        assert [s.name for s in half_term_duties(adviser, today)["not_visited"]] == ["Alder Primary"]  # Birch: no agreed plan
        meeting = meeting_rules.school_meetings(alder)[0]
        for title in ("Book looks", "Pupil voice"):
            item = evidence_rules.submit(alder, None, meeting=meeting, title=title, narrative="Progress",
                                         criteria=meeting.plan.success_criteria, files=[], today=today)
        db.session.flush()
        evidence_rules.decide(item, adviser, decision=Decision.VERIFIED, comment="", today=today)
        visit_rules.record_visit(alder, adviser, visited_on=today, kind=VisitKind.MONITORING, today=today)
        db.session.flush()
        for person in (admin, adviser):
            assert half_term_duties(person, today) == {"waiting": 1, "half_term": half_term_on(today), "not_verified": [],
                                                       "not_verified_count": 0, "not_visited": []}
        assert half_term_duties(admin, date(2026, 8, 20))["half_term"] is None  # summer holiday: the count alone
        db.session.rollback()


def test_confirmation_of_minutes_is_overdue_after_three_working_days():
    assert confirmation_due_on(date(2026, 11, 27)) == date(2026, 12, 2)  # Friday: Monday, Tuesday, Wednesday


def test_the_la_admin_filters_sorts_and_downloads(app, client, sign_in, borough):
    sign_in("admin@example.org")
    page = text_of(client.get("/"))
    assert "3 of 3 schools shown" in page and "Not categorised" in page
    assert "Alder Primary" in page and "Overdue Agenda" in page
    assert _names(client, "category=3") == ["Alder Primary"]
    assert _names(client, "category=none") == ["Cedar Infant"]
    assert _names(client, "phase=Secondary") == ["Birch Academy"]
    assert _names(client, "q=222222") == ["Birch Academy"]
    assert _names(client, "overdue=agenda") == ["Alder Primary", "Birch Academy"]
    assert _names(client, f"adviser={borough['adviser']}") == ["Alder Primary", "Birch Academy"]
    assert _names(client, "movement=new") == ["Alder Primary", "Birch Academy"]
    assert _names(client, "sort=category") == ["Alder Primary", "Birch Academy", "Cedar Infant"]
    rows = client.get("/?phase=Secondary", headers={"HX-Request": "true", "HX-Target": "overview-rows"}).get_data(as_text=True)
    assert rows.lstrip().startswith('<div id="overview-rows">') and "Birch Academy" in rows and "Alder Primary" not in rows

    response = client.get("/overview.xlsx?category=3")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="all-schools-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "All schools" and values[2][0] == "Filters: Category: 3: Concern"
    header = values[4]
    assert header[0] == "School" and [row[0] for row in values[5:]] == ["Alder Primary"]
    assert values[5][header.index("Category")] == "3: Concern" and "Agenda" in values[5][header.index("Overdue")]
    # A control character (which XLSX cannot hold) in a search still downloads, with the character left out.
    response = client.get("/overview.xlsx?q=Alder%01%1B")
    values = [row for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    assert response.status_code == 200 and "Alder" in values[2][0] and "\x01" not in values[2][0]
    assert [row[0] for row in values[5:]] == []  # the search itself kept the character, so nothing matched
    csv_text = client.get("/overview.csv?phase=Secondary").get_data(as_text=True)
    assert "Filters: Phase: Secondary" in csv_text and "Birch Academy" in csv_text and "Alder Primary" not in csv_text


def _names(client, query):
    page = text_of(client.get(f"/?{query}"))
    page = page[page.find("schools shown"):]  # the table (the verification summary above may name a school)
    found = [(page.find(name), name) for name in ("Alder Primary", "Birch Academy", "Cedar Infant") if f"{name} " in page]
    return [name for _, name in sorted(found)]


def test_an_advisers_caseload_and_download_have_only_their_schools(app, client, sign_in, borough):
    sign_in("adviser@example.org")
    page = text_of(client.get("/"))
    assert "Your caseload" in page and "2 of 2 schools shown" in page and "Cedar Infant" not in page
    text = client.get("/overview.csv").get_data(as_text=True)
    assert "Alder Primary" in text and "Birch Academy" in text and "Cedar Infant" not in text
    sign_in("head@example.org")  # one school: no overview table, and no download of others
    assert "Your caseload" not in text_of(client.get("/"))
    assert client.get("/overview.csv").status_code == 302


def test_starred_schools_come_first(app, client, sign_in, borough):
    sign_in("admin@example.org")
    assert _names(client, "") == ["Alder Primary", "Birch Academy", "Cedar Infant"]
    response = client.post(f"/schools/{borough['cedar']}/star", data={"back": "/"})  # Cedar (the next id)
    assert response.status_code == 302
    assert _names(client, "")[0] == "Cedar Infant"
    htmx = client.post(f"/schools/{borough['cedar']}/star", headers={"HX-Request": "true"})
    assert "Watch Cedar Infant" in text_of(htmx)  # unstarred, and the button says so
    assert _names(client, "") == ["Alder Primary", "Birch Academy", "Cedar Infant"]
    sign_in("head@example.org")
    assert client.post(f"/schools/{borough['birch']}/star").status_code == 404


def test_the_overview_runs_the_same_statements_for_any_number_of_schools(app, client, sign_in, world, borough):
    sign_in("admin@example.org")

    def statements_with(extra):
        for n in range(extra):
            world.school(f"School {extra}-{n}")
        return statements_behind(app, client, "/?sort=overdue")

    assert statements_with(3) == statements_with(40)


def test_the_audit_log_and_verification_queue_download(app, client, sign_in, borough):
    with app.app_context():
        alder = db.session.get(School, borough["alder"])
        meeting = meeting_rules.school_meetings(alder)[0]
        evidence_rules.submit(alder, None, meeting=meeting, title="Reading records", narrative="Logs of reading at home",
                              criteria=meeting.plan.success_criteria, files=[])
        db.session.commit()
    sign_in("adviser@example.org")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/verification.xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[4][:2] == ("Evidence", "School") and values[5][:2] == ("Reading records", "Alder Primary")
    sign_in("admin@example.org")
    text = client.get(f"/admin/audit-log.csv?school_id={borough['alder']}").get_data(as_text=True)
    assert "Filters: School: Alder Primary" in text and "Reading records" in text
    assert "Birch Academy" not in text.split("When,Who", 1)[1]
    sign_in("head@example.org")
    assert client.get("/admin/audit-log.csv").status_code == 403


def test_open_intervention_steps_show_on_the_overview(app, client, sign_in, borough):
    from portal.intervention import rules as intervention_rules
    from portal.intervention.models import StepKind

    with app.app_context():
        intervention_rules.record_step(db.session.get(School, borough["birch"]), None, kind=StepKind.WARNING_NOTICE,
                                       issued_on=date(2026, 11, 2), compliance_due_on=date(2026, 11, 16))
        db.session.commit()
    sign_in("admin@example.org")
    assert "Intervention: Warning notice" in text_of(client.get("/?phase=Secondary"))
    text = client.get("/overview.csv?phase=Secondary").get_data(as_text=True)
    assert "Open intervention" in text and "Warning notice" in text


def _agreeing_views(app, user_id, args, page_size):
    """The page the usual view works out for its rows alone, beside every row worked out (as a download does)."""
    from portal.auth.models import User
    from portal.home.overview_views import overview

    with app.test_request_context():
        app.config["PAGE_SIZE"], size = page_size, app.config["PAGE_SIZE"]
        try:
            user = db.session.get(User, user_id)
            page = overview(user, args, date(2026, 11, 25), page_number=2)
            every = overview(user, args, date(2026, 11, 25))
        finally:
            app.config["PAGE_SIZE"] = size

        def described(rows):
            return [(row.school.name, row.category.key if row.category else None, sorted(row.overdue_kinds),
                     row.plan.id if row.plan else None, row.starred) for row in rows]

        return ((described(page["page"].items), page["page"].total, [(c.key if c else None, n) for c, n in page["counts"]]),
                (described(every["rows"][page_size:2 * page_size]), len(every["rows"]),
                 [(c.key if c else None, n) for c, n in every["counts"]]))


@pytest.mark.parametrize("args", [{}, {"q": "a"}, {"phase": "Primary"}])
def test_the_usual_view_works_out_only_its_page_and_agrees_with_every_row(app, client, world, borough, args):
    for n in range(5):
        world.school(f"{'aAbB'[n % 4]}ash School {n}")  # names that sort differently by case
    with app.app_context():
        from portal.schools.models import SchoolStar

        db.session.add(SchoolStar(user_id=borough["admin"], school_id=borough["cedar"]))
        db.session.commit()
    fast, every = _agreeing_views(app, borough["admin"], args, page_size=2)
    assert fast == every and fast[0]  # the same rows, the same number listed, the same category counts


def test_la_admin_home_names_ten_schools_not_verified_and_links_to_the_rest(app, world, client, sign_in):
    """Early in a half term every plan school is unverified: the home page names ten and counts the rest, which the
    verification queue lists in full."""
    world.user("admin@example.org", is_la_admin=True)
    school_ids = [world.school(f"School {number:02d}", urn=500000 + number) for number in range(12)]
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        for school_id in school_ids:
            plan_rules.agree(_plan_with_a_criterion(db.session.get(School, school_id), year), None)
        db.session.commit()
    sign_in("admin@example.org")
    page = client.get("/")
    text = text_of(page)
    named = ", ".join(f"School {number:02d}" for number in range(10))
    assert f"12 schools have had no evidence verified in Autumn 2: {named} and 2 more ( see them all )." in text
    assert 'href="/verification#not-verified">see them all</a>' in page.get_data(as_text=True)
    inset = text.split("had no evidence verified")[1].split(".")[0]
    assert "School 10" not in inset and "School 11" not in inset  # named in the overview table below, not here
    queue = client.get("/verification")
    assert 'id="not-verified"' in queue.get_data(as_text=True)
    assert all(f"School {number:02d}" in text_of(queue) for number in range(12))


def test_an_advisers_duties_name_ten_schools_not_verified_and_every_one_not_visited(app, world):
    """The names stop at ten (the rest are counted), but a school not visited is always listed, verified or not."""
    from portal import clock
    from portal.auth.models import User
    from portal.home.rules import half_term_duties

    school_ids = [world.school(f"School {number:02d}", urn=500000 + number) for number in range(12)]
    adviser_id = world.user("adviser@example.org", roles=[(school_id, Role.ADVISER) for school_id in school_ids])
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        for school_id in school_ids:
            plan_rules.agree(_plan_with_a_criterion(db.session.get(School, school_id), year), None)
        db.session.commit()
        duties = half_term_duties(db.session.get(User, adviser_id), clock.today())
    assert [school.name for school in duties["not_verified"]] == [f"School {number:02d}" for number in range(10)]
    assert duties["not_verified_count"] == 12
    assert [school.name for school in duties["not_visited"]] == [f"School {number:02d}" for number in range(12)]


def test_two_quick_stars_leave_one_rather_than_failing(app, borough):
    """Without JavaScript a double click sends two requests; both may find no star before either adds one. Played
    here by another connection adding the star just before this one writes its own."""
    from sqlalchemy import event, insert

    from portal.auth.models import User
    from portal.home.rules import toggle_star
    from portal.schools.models import SchoolStar

    with app.app_context():
        admin, cedar = db.session.get(User, borough["admin"]), db.session.get(School, borough["cedar"])

        def the_other_click(session, flush_context, instances):
            with db.engine.begin() as other:
                other.execute(insert(SchoolStar).values(user_id=admin.id, school_id=cedar.id))

        event.listen(db.session, "before_flush", the_other_click, once=True)
        assert toggle_star(admin, cedar) is True
        stars = db.session.scalars(select(SchoolStar).where(SchoolStar.user_id == admin.id)).all()
        assert [star.school_id for star in stars] == [cedar.id]
        assert toggle_star(admin, cedar) is False  # the next click takes it away, as ever
        assert db.session.scalars(select(SchoolStar)).all() == []


def test_every_school_is_paged_in_sql_in_the_order_python_sorts_their_names(app, world, borough):
    """The LA admin's usual view sorts and pages in the database; names with accents, capitals and punctuation
    come in the order a download (sorted in Python) lists them, on SQLite and PostgreSQL alike."""
    from portal.auth.models import User
    from portal.home.overview_views import overview

    for name in ("École du Parc", "eden Primary", "St Mary's", "Stanley Park", "St. Anne's", "Ångström Academy",
                 "saint Helen's", "ZZ Top Primary"):
        world.school(name)
    with app.test_request_context():
        app.config["PAGE_SIZE"], size = 3, app.config["PAGE_SIZE"]
        try:
            admin = db.session.get(User, borough["admin"])
            first = overview(admin, {}, date(2026, 11, 25), page_number=1)
            pages = [first["page"]] + [overview(admin, {}, date(2026, 11, 25), page_number=number)["page"]
                                       for number in range(2, first["page"].pages + 2)]  # and one past the last
            every = overview(admin, {}, date(2026, 11, 25))
        finally:
            app.config["PAGE_SIZE"] = size
    paged = [row.school.name for page in pages for row in page.items]
    assert paged == [row.school.name for row in every["rows"]] == sorted(paged, key=str.casefold)
    assert len(paged) == first["total"] == first["page"].total == 11 and pages[-1].items == []
    assert (first["without_adviser"], every["without_adviser"]) == (9, 9)  # only Alder and Birch have one
    advisers = {row.school.name: [person.name for person in row.school.advisers] for page in pages for row in page.items}
    assert advisers["Alder Primary"] == ["Ada Adviser"] and advisers["Cedar Infant"] == []


def test_a_schools_name_key_follows_its_name_however_it_is_written(app, world):
    from sqlalchemy import insert

    from portal.schools.models import LocalAuthority
    from portal.schools.rules import save_school

    school_id = world.school("Abbey Primary")
    with app.app_context():
        school = db.session.get(School, school_id)
        assert school.name_key == "abbey primary"
        save_school(school, urn=school.urn, name=" ÉCOLE Straße ", phase="Primary", establishment_type="",
                    ofsted_grade=None, ofsted_inspected_on=None, local_authority=school.local_authority)
        db.session.commit()
        assert db.session.scalar(select(School.name_key).where(School.id == school_id)) == "école strasse"
        local_authority = db.session.scalar(select(LocalAuthority))
        db.session.execute(insert(School), [{"urn": 999001, "name": "Bulk LOADED", "phase": "Primary",
                                             "local_authority_id": local_authority.id}])  # as the benchmark builds
        assert db.session.scalar(select(School.name_key).where(School.urn == 999001)) == "bulk loaded"


def test_sorted_by_latest_inspection_each_school_counts_its_newest_and_schools_never_inspected_come_last(
        app, client, sign_in, borough):
    from portal.auth.models import User
    from portal.inspections.rules import record_inspection

    with app.app_context():
        admin = db.session.get(User, borough["admin"])
        for school_id, inspected_on in ((borough["alder"], date(2019, 5, 1)), (borough["alder"], date(2024, 3, 6)),
                                        (borough["birch"], date(2022, 1, 12))):
            record_inspection(db.session.get(School, school_id), admin, inspected_on=inspected_on,
                              inspection_type="Graded inspection", legacy_grade="Good", area_grades={},
                              safeguarding_met=True, notes="", valid_area_grades={})
        db.session.commit()
    sign_in("admin@example.org")
    assert _names(client, "sort=inspection") == ["Birch Academy", "Alder Primary", "Cedar Infant"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/overview.xlsx?sort=inspection").data)).active
    inspected = {row[0]: row[8] for row in sheet.iter_rows(values_only=True) if row[0] in ("Alder Primary", "Birch Academy")}
    assert {name: value.date() if hasattr(value, "date") else value for name, value in inspected.items()} == {
        "Alder Primary": date(2024, 3, 6), "Birch Academy": date(2022, 1, 12)}
