"""A school's summary to print before a visit, its PDF, and the charts (SVG images with their own policy)."""

import io
import re
import xml.etree.ElementTree as ElementTree
from datetime import date, time

import pytest
from pypdf import PdfReader

from portal.auth.models import User
from portal.categories import rules as category_rules
from portal.categories import schemes
from portal.charts import CHART_POLICY, category_movements, plan_rag_over_year, render_svg, self_evaluation_grades
from portal.extensions import db
from portal.frameworks.ready_made import build_demo_frameworks
from portal.frameworks.rules import current_version
from portal.inspections.rules import record_inspection
from portal.meetings import rules as meeting_rules
from portal.meetings.models import Rag
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.schools.summary import academic_year_bounds, school_summary
from portal.self_evaluation import rules as evaluation_rules
from portal.terms.rules import save_term_dates
from portal.visits import rules as visit_rules
from portal.visits.models import VisitKind
from tests.categories_helpers import INDICATORS, decide
from tests.conftest import count_queries, text_of
from tests.test_meetings import YEAR

SUPPORT_PACKAGE = "Six adviser days a term and a reading consultant."
CATEGORIES = [("1", "Steady", "green", "Universal", ""), ("2", "Watch", "yellow", "Targeted", ""),
              ("3", "Concern", "red", "Intensive", SUPPORT_PACKAGE)]


def _scheme():
    """Three categories; Concern needs intervention and carries a support package."""
    scheme = schemes.make_scheme("Summary scheme")
    version = scheme.versions[0]
    for code, name, colour, level, package in CATEGORIES:
        schemes.save_category(version, None, code=code, name=name, colour=colour, support_level=level,
                              review_meetings="Half-termly" if package else "", support_package=package,
                              plan_required=bool(package), requires_intervention=bool(package))
    for title, source, higher, green, red in INDICATORS:
        schemes.save_indicator(version, None, name=title, source=source, higher_is_better=higher, green_from=green,
                               red_from=red)
    schemes.save_letter(version, subject="{school}: now {category}", body="Dear {headteacher},\n\n{reason}")
    schemes.publish(version)
    schemes.make_current(scheme)
    db.session.flush()
    return version


def _self_evaluation(school, head, adviser, title, position, *, validate):
    evaluation = evaluation_rules.start(school, current_version(), head, title)
    db.session.flush()
    grades = evaluation.version.scale.grades
    for judgement in evaluation.judgements:
        evaluation_rules.save_judgement(judgement, head, grade_id=grades[position - 1].id, strengths="Reading.",
                                        areas_for_development="Maths.", evidence="Books.", revision=judgement.revision)
    evaluation_rules.save_safeguarding(evaluation, met=True, note="SCR checked.")
    evaluation_rules.submit(evaluation, head)
    if validate:
        first = sorted(evaluation.judgements, key=lambda j: j.area.position)[0]
        evaluation_rules.record_adviser_view(first, agrees=False, grade_id=grades[position].id, reason="Over-optimistic")
        evaluation_rules.agree_with_remaining_grades(evaluation)
        evaluation_rules.validate(evaluation, adviser, "A fair picture.", safeguarding_agrees=True)
    db.session.flush()
    return evaluation


@pytest.fixture
def alder(app, world):
    """Alder Primary with its adviser, head and the LA admin; Birch Academy with another adviser.

    Alder: two categorisation rounds (Watch, then Concern), an inspection, two self-evaluations (the first
    validated), an agreed plan with two criteria rated at two reviews and a third review next week (its agenda is
    overdue), a visit this academic year and one last year."""
    alder_id, birch_id = world.school("Alder Primary", urn=111111), world.school("Birch Academy", urn=222222)
    people = {
        "adviser": world.user("adviser@example.org", "Ada Adviser", roles=[(alder_id, Role.ADVISER)]),
        "head": world.user("head@example.org", "Hal Head", roles=[(alder_id, Role.HEADTEACHER)]),
        "admin": world.user("admin@example.org", "Lee Admin", is_la_admin=True),
        "other": world.user("other.adviser@example.org", "Olu Other", roles=[(birch_id, Role.ADVISER)]),
    }
    with app.app_context():
        school, birch = db.session.get(School, alder_id), db.session.get(School, birch_id)
        adviser, head = db.session.get(User, people["adviser"]), db.session.get(User, people["head"])
        year = save_term_dates(None, *YEAR)
        build_demo_frameworks()
        _scheme()
        for name, alder_category, opens_on in (("Autumn 2025", "Watch", date(2025, 10, 1)),
                                               ("Autumn 2026", "Concern", date(2026, 10, 1))):
            categorisation_round = category_rules.start_round(name=name, opens_on=opens_on, proposals_due_on=opens_on)
            decide(categorisation_round, school, adviser, None, alder_category)
            decide(categorisation_round, birch, adviser, None, "Steady")
            category_rules.publish_round(categorisation_round, None, opens_on)
            db.session.flush()
        record_inspection(school, head, inspected_on=date(2024, 3, 6), inspection_type="Graded inspection",
                          legacy_grade="Requires improvement", area_grades={}, safeguarding_met=True, notes="",
                          valid_area_grades={})
        _self_evaluation(school, head, adviser, "Summer 2026", 4, validate=True)
        _self_evaluation(school, head, adviser, "Autumn 2026", 3, validate=False)
        plan = plan_rules.create_plan(school, head, kind=PlanKind.RAP, title="Reading first", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Reading", description="")
        plan_rules.save_action(priority, None, description="Daily phonics", owner="", starts_on=None, due_on=None, cost="")
        phonics = plan_rules.save_criterion(priority, None, description="85% pass the phonics check", milestones={})
        fluency = plan_rules.save_criterion(priority, None, description="Year 2 read fluently", milestones={})
        db.session.flush()
        plan_rules.agree(plan, adviser)
        for meets_on, ratings in ((date(2026, 10, 14), (Rag.RED, Rag.GREEN)), (date(2026, 11, 18), (Rag.AMBER, Rag.GREEN)),
                                  (date(2026, 12, 2), ())):
            meeting = meeting_rules.schedule_meeting(school, None, kind="rap_review", meets_on=meets_on,
                                                     starts_at=time(16), ends_at=time(17), plan=plan, closures=frozenset())
            db.session.flush()
            for criterion, rag in zip((phonics, fluency), ratings):
                meeting_rules.record_review(meeting, criterion, adviser, rag=rag, note="")
        visit_rules.record_visit(school, adviser, visited_on=date(2026, 10, 7), kind=VisitKind.MONITORING)
        visit_rules.record_visit(school, adviser, visited_on=date(2026, 6, 10), kind=VisitKind.SUPPORT)
        other_plan = plan_rules.create_plan(birch, None, kind=PlanKind.RAP, title="Birch plan", academic_year=year)
        db.session.commit()
        return {"alder": alder_id, "birch": birch_id, "plan": plan.id, "other_plan": other_plan.id, **people}


# --- the rules --------------------------------------------------------------------------------------------------------

def test_charts_data_matches_the_records(app, alder):
    with app.app_context():
        school = db.session.get(School, alder["alder"])
        rounds = category_movements()
        assert rounds.chart.columns == ["Autumn 2025", "Autumn 2026"]
        assert [s.label for s in rounds.chart.series] == ["1: Steady", "2: Watch", "3: Concern"]
        assert [s.colour for s in rounds.chart.series] == ["#0f7a52", "#ffdd00", "#ca3535"]
        assert [(r.name, counts, total) for r, counts, total in rounds.rows] == [("Autumn 2025", [1, 1, 0], 2),
                                                                                  ("Autumn 2026", [1, 0, 1], 2)]
        assert "Latest, Autumn 2026: 1 in 1: Steady, 0 in 2: Watch, 1 in 3: Concern (2 schools)" in rounds.chart.alt

        plan = plan_rules.load_plan(school, alder["plan"])
        rag = plan_rag_over_year(plan)  # the review next week has no ratings yet: not a column
        assert [(m.meets_on, counts, total) for m, counts, total in rag.rows] == [
            (date(2026, 10, 14), {"red": 1, "amber": 0, "green": 1}, 2),
            (date(2026, 11, 18), {"red": 0, "amber": 1, "green": 1}, 2)]
        assert "Latest, 18 Nov 2026: 0 red, 1 amber, 1 green" in rag.chart.alt

        grades = self_evaluation_grades(school)
        assert [e.title for e in grades.evaluations] == ["Summer 2026", "Autumn 2026"]
        names = dict(grades.chart.grades)
        first_area, first_cells = grades.rows[0]
        # The adviser's grade counts once validated (one worse than the school's 4th); the school's own until then.
        assert [(c.position, c.source) for c in first_cells] == [(5, "validated"), (3, "school")]
        assert [c.name for c in first_cells] == [names[5], names[3]]
        assert all(cells[0].position == 4 for _, cells in grades.rows[1:])
        assert grades.chart.series[0].values == [5, 3] and grades.chart.series[0].label == first_area
        assert grades.other_scale == []


def test_summary_rules_take_a_constant_number_of_statements(app, alder):
    def statements():
        with app.app_context():
            counter, stop = count_queries(app)
            try:
                school_summary(db.session.get(School, alder["alder"]), date(2026, 11, 25))
            finally:
                stop()
            return counter["n"]

    before = statements()
    with app.app_context():
        school = db.session.get(School, alder["alder"])
        adviser = db.session.get(User, alder["adviser"])
        for day in (date(2026, 9, 16), date(2026, 9, 23), date(2026, 11, 4)):
            visit_rules.record_visit(school, adviser, visited_on=day, kind=VisitKind.MONITORING)
        db.session.commit()
    assert statements() == before


def test_academic_year_runs_from_september_to_august():
    assert academic_year_bounds(date(2026, 11, 25)) == (date(2026, 9, 1), date(2027, 8, 31))
    assert academic_year_bounds(date(2027, 8, 31)) == (date(2026, 9, 1), date(2027, 8, 31))


def test_svg_has_no_script_and_refers_to_nothing_outside_it(app, alder):
    with app.app_context():
        svg = render_svg(self_evaluation_grades(db.session.get(School, alder["alder"])).chart)
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert not re.search(r"(?:href|src)=|url\((?!#)|@import", svg)


# --- the pages --------------------------------------------------------------------------------------------------------

def test_the_adviser_reads_the_summary(app, client, sign_in, alder):
    sign_in("adviser@example.org")
    school_page = client.get(f"/schools/{alder['alder']}").get_data(as_text=True)
    assert f'href="/schools/{alder["alder"]}/summary"' in school_page and "Summary to print before a visit" in school_page
    response = client.get(f"/schools/{alder['alder']}/summary")
    assert response.status_code == 200
    page = text_of(response)
    assert "Alder Primary: summary before a visit" in page
    # Category history, newest first, and the support that goes with the current category.
    assert page.index("3: Concern (was 2: Watch) Autumn 2026") < page.index("2: Watch Autumn 2025")
    assert "Support level Intensive" in page and "Review meetings Half-termly" in page and SUPPORT_PACKAGE in page
    assert "overall grade requires improvement" in page
    # Self-evaluations: the chart with its table.
    html = response.get_data(as_text=True)
    assert f'src="/schools/{alder["alder"]}/charts/self-evaluation.svg"' in html
    assert f'src="/schools/{alder["alder"]}/plans/{alder["plan"]}/charts/rag.svg"' in html
    assert re.search(r'<img [^>]*alt="Line chart of each area\'s grade in 2 self-evaluations', html.replace("&#39;", "'"))
    assert "Summer 2026 Autumn 2026" in page and "(school's grade)" in page
    # The plan's reviews: one row per review that rated anything.
    assert "14 October 2026 RAP review meeting" in page and "18 November 2026 RAP review meeting" in page
    # Visits this academic year only; the overdue agenda of next week's review.
    visits = page[page.index("Visits this academic year"):page.index("What is overdue")]
    assert "7 October 2026 Monitoring visit Ada Adviser Draft" in visits and "10 June 2026" not in visits
    overdue = page[page.index("What is overdue"):]
    assert "Agenda RAP review meeting, 2 December 2026 18 November 2026" in overdue
    assert "Notes of visit Support visit on 10 June 2026 17 June 2026" in overdue  # last year's notes are still owed
    assert 'class="govuk-body portal-no-print"' in html


def test_who_may_read_the_summary(client, sign_in, alder):
    url = f"/schools/{alder['alder']}/summary"
    sign_in("head@example.org")
    assert client.get(url).status_code == 403
    assert "Summary to print before a visit" not in client.get(f"/schools/{alder['alder']}").get_data(as_text=True)
    sign_in("other.adviser@example.org")
    assert client.get(url).status_code == 404
    assert client.get(f"/schools/{alder['alder']}/summary-pdf").status_code == 404
    sign_in("admin@example.org")
    assert client.get(url).status_code == 200


def test_a_school_without_records_has_a_summary_too(client, sign_in, alder):
    sign_in("admin@example.org")
    page = text_of(client.get(f"/schools/{alder['birch']}/summary"))
    assert "No submitted self-evaluation yet." in page and "No review meeting has rated" in page
    assert "No visits yet this academic year (2026 to 2027)." in page and "Nothing is overdue." in page


def test_the_summary_as_a_pdf(client, sign_in, alder):
    sign_in("adviser@example.org")
    response = client.get(f"/schools/{alder['alder']}/summary-pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert re.fullmatch(r'attachment; filename="Alder-Primary-summary-2026-11-25\.pdf"', response.headers["Content-Disposition"])
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))
    assert "Alder Primary: summary before a visit" in text and SUPPORT_PACKAGE in text
    assert "Download as PDF" not in text  # the print rules hid the links


# --- the charts -------------------------------------------------------------------------------------------------------

def _svg(response):
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    # The chart's own policy, not the pages' one: the app's after_request hook runs after the view and keeps it.
    assert response.headers["Content-Security-Policy"] == CHART_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert "<svg" in body and "<script" not in body
    return ElementTree.fromstring(body)


def _texts(root):
    return [e.text for e in root.iter() if e.tag.endswith("text") and e.text]


def test_chart_endpoints_answer_svg_with_their_own_policy(client, sign_in, alder):
    sign_in("head@example.org")  # any member of the school sees its charts
    grades = _svg(client.get(f"/schools/{alder['alder']}/charts/self-evaluation.svg"))
    assert {"Summer 2026", "Autumn 2026"} <= set(_texts(grades))
    rag = _svg(client.get(f"/schools/{alder['alder']}/plans/{alder['plan']}/charts/rag.svg"))
    assert {"14 Oct 2026", "18 Nov 2026", "Red: off track", "Amber: some progress", "Green: on track"} <= set(_texts(rag))
    # Pages keep the strict policy.
    assert "style-src 'self'" in client.get(f"/schools/{alder['alder']}").headers["Content-Security-Policy"]
    assert client.get("/schools/charts/categories.svg").status_code == 403
    sign_in("admin@example.org")
    rounds = _svg(client.get("/schools/charts/categories.svg"))
    assert {"Autumn 2025", "Autumn 2026", "3: Concern"} <= set(_texts(rounds))


def test_charts_of_another_school_are_not_found(client, sign_in, alder):
    sign_in("other.adviser@example.org")
    assert client.get(f"/schools/{alder['alder']}/charts/self-evaluation.svg").status_code == 404
    assert client.get(f"/schools/{alder['alder']}/plans/{alder['plan']}/charts/rag.svg").status_code == 404
    sign_in("adviser@example.org")
    # Another school's plan under this school's address.
    assert client.get(f"/schools/{alder['alder']}/plans/{alder['other_plan']}/charts/rag.svg").status_code == 404
    assert client.get(f"/schools/{alder['birch']}/charts/self-evaluation.svg").status_code == 404


def test_a_chart_with_nothing_to_show_is_still_an_image(client, sign_in, alder):
    sign_in("other.adviser@example.org")
    for url in (f"/schools/{alder['birch']}/charts/self-evaluation.svg",
                f"/schools/{alder['birch']}/plans/{alder['other_plan']}/charts/rag.svg"):
        assert "Nothing to show yet" in _texts(_svg(client.get(url)))
