"""Starting plan priorities from the areas the latest validated self-evaluation graded weakest."""

import re

import pytest
from sqlalchemy import select

from portal.auth.models import User
from tests.test_meetings import YEAR as TERM_DATES
from portal.extensions import db
from portal.frameworks import rules as framework_rules
from portal.frameworks.ready_made import build_demo_frameworks
from portal.plans import rules as plan_rules
from portal.plans.models import Plan, PlanKind, Priority
from portal.schools.models import Role, School
from portal.self_evaluation import rules
from portal.terms.rules import save_term_dates
from tests.conftest import text_of

EXPECTED, NEEDS_ATTENTION, URGENT = 3, 4, 5  # positions on the report card scale


@pytest.fixture
def brookside(app, world):
    """A primary school with a head, an adviser and a governor, a plan each for it and another school."""
    with app.app_context():
        build_demo_frameworks()
        year = save_term_dates(None, *TERM_DATES)
        db.session.commit()
        year_id = year.id
    school = world.school("Brookside Primary School", phase="Primary")
    other = world.school("Kingsway Academy")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school, Role.ADVISER)]),
        "governor": world.user("governor@example.org", "Tom Reed", roles=[(school, Role.GOVERNOR)]),
        "other_head": world.user("head@kingsway.example.org", "Dan Okafor", roles=[(other, Role.HEADTEACHER)]),
    }
    with app.app_context():
        from portal.terms.models import AcademicYear

        academic_year = db.session.get(AcademicYear, year_id)
        plans = {}
        for school_id in (school, other):
            plan = plan_rules.create_plan(db.session.get(School, school_id), None, kind=PlanKind.RAP,
                                          title="Raising Achievement Plan 2026 to 2027", academic_year=academic_year)
            db.session.flush()
            plans[school_id] = plan.id
        db.session.commit()
    return school, other, people, plans


def _self_evaluation(app, school_id, *, validate=True):
    """Achievement graded needs attention by the school; Inclusion expected standard by the school but
    urgent improvement by the adviser; every other area expected standard, agreed."""
    with app.app_context():
        school = db.session.get(School, school_id)
        head = db.session.scalar(select(User).where(User.email == "head@example.org"))
        adviser = db.session.scalar(select(User).where(User.email == "adviser@example.org"))
        evaluation = rules.start(school, framework_rules.current_version(), head, "Autumn 2026")
        db.session.flush()
        grades = evaluation.version.scale.grades
        for judgement in evaluation.judgements:
            position = NEEDS_ATTENTION if judgement.area.key == "achievement" else EXPECTED
            rules.save_judgement(judgement, head, grade_id=grades[position - 1].id, strengths="Strong reading.",
                                 areas_for_development=f"Develop {judgement.area.title.lower()}.", evidence="Book looks.",
                                 revision=judgement.revision)
        rules.save_safeguarding(evaluation, met=True, note="SCR checked.")
        rules.submit(evaluation, head)
        if validate:
            for judgement in evaluation.judgements:
                if judgement.area.key == "inclusion":
                    rules.record_adviser_view(judgement, agrees=False, grade_id=grades[URGENT - 1].id,
                                              reason="Disadvantaged pupils fall behind.")
                else:
                    rules.record_adviser_view(judgement, agrees=True, grade_id=None, reason="")
            rules.validate(evaluation, adviser, "A fair picture.")
        db.session.commit()
        return evaluation.id


def _url(school_id, plan_id):
    return f"/schools/{school_id}/plans/{plan_id}/from-self-evaluation"


def test_weakest_areas_rule(app, brookside):
    school, _, _, plans = brookside
    _self_evaluation(app, school)
    with app.app_context():
        weak = plan_rules.weakest_areas(db.session.get(School, school))
        assert [j.area.title for j in weak] == ["Inclusion", "Achievement"]
        plan = db.session.get(Plan, plans[school])
        first = plan_rules.priorities_from_self_evaluation(plan, weak)
        again = plan_rules.priorities_from_self_evaluation(plan, weak)
        assert [p.title for p in first] == ["Inclusion", "Achievement"] and again == []
        assert len(plan.priorities) == 2


def test_head_starts_priorities_from_the_weakest_areas(app, client, sign_in, brookside):
    school, _, _, plans = brookside
    _self_evaluation(app, school)
    sign_in("head@example.org")
    plan_page = text_of(client.get(f"/schools/{school}/plans/{plans[school]}"))
    assert "Start priorities from your self-evaluation" in plan_page

    page = client.get(_url(school, plans[school]))
    assert page.status_code == 200
    html, text = page.get_data(as_text=True), text_of(page)
    labels = re.findall(r'class="govuk-label govuk-checkboxes__label"[^>]*>\s*([^<]+?)\s*<', html)
    assert labels == ["Inclusion", "Achievement"]  # urgent improvement before needs attention
    assert "Urgent improvement" in text and "Needs attention" in text
    assert "govuk-tag--red" in html and "govuk-tag--orange" in html
    assert "Develop inclusion." in text and "Develop achievement." in text
    assert html.count('name="judgement_ids"') == 2 and html.count("checked") == 2
    for other_area in ("Curriculum and teaching", "Leadership and governance", "Early years"):
        assert other_area not in text

    refused = client.post(_url(school, plans[school]), data={})
    assert refused.status_code == 200
    assert "There is a problem" in text_of(refused) and "Choose at least one area" in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(Priority)) is None
        ids = [j.id for j in plan_rules.weakest_areas(db.session.get(School, school))]

    added = client.post(_url(school, plans[school]), data={"judgement_ids": ids})
    assert added.status_code == 302
    assert f"/schools/{school}/plans/{plans[school]}" in added.headers["Location"]
    with app.app_context():
        priorities = db.session.scalars(select(Priority).order_by(Priority.position)).all()
        assert [(p.title, p.description) for p in priorities] == [
            ("Inclusion", "Develop inclusion."), ("Achievement", "Develop achievement.")]
    shown = text_of(client.get(f"/schools/{school}/plans/{plans[school]}"))
    assert "2 priorities added" in shown and "Priority 1: Inclusion" in shown and "Develop achievement." in shown

    client.post(_url(school, plans[school]), data={"judgement_ids": ids[:1]})
    with app.app_context():
        assert len(db.session.scalars(select(Priority)).all()) == 2  # already a priority: not added twice


def test_only_the_ticked_areas_are_added(app, client, sign_in, brookside):
    school, _, _, plans = brookside
    _self_evaluation(app, school)
    with app.app_context():
        achievement = plan_rules.weakest_areas(db.session.get(School, school))[1]
        achievement_id = achievement.id
    sign_in("head@example.org")
    assert client.post(_url(school, plans[school]), data={"judgement_ids": [achievement_id]}).status_code == 302
    with app.app_context():
        assert [p.title for p in db.session.scalars(select(Priority))] == ["Achievement"]


def test_draft_self_evaluation_offers_nothing(app, client, sign_in, brookside):
    school, _, _, plans = brookside
    _self_evaluation(app, school, validate=False)
    with app.app_context():
        assert plan_rules.weakest_areas(db.session.get(School, school)) == []
    sign_in("head@example.org")
    assert "Start priorities from your self-evaluation" not in text_of(client.get(f"/schools/{school}/plans/{plans[school]}"))
    page = client.get(_url(school, plans[school]))
    assert page.status_code == 200
    assert "no validated self-evaluation yet" in text_of(page)
    assert "<form" not in page.get_data(as_text=True).split('<main', 1)[1]


def test_no_weak_area_says_so(app, client, sign_in, brookside):
    school, _, _, plans = brookside
    _self_evaluation(app, school)
    with app.app_context():
        evaluation = plan_rules.latest_validated_self_evaluation(db.session.get(School, school))
        for judgement in evaluation.judgements:
            judgement.adviser_agrees, judgement.adviser_grade = True, None
            judgement.grade = evaluation.version.scale.grades[EXPECTED - 1]
        db.session.commit()
    sign_in("head@example.org")
    page = client.get(_url(school, plans[school]))
    assert page.status_code == 200 and "no area as needing improvement" in text_of(page)
    assert 'name="judgement_ids"' not in page.get_data(as_text=True)


def test_governor_refused_and_other_schools_plan_not_found(app, client, sign_in, brookside):
    school, other, _, plans = brookside
    _self_evaluation(app, school)
    sign_in("governor@example.org")
    assert client.get(_url(school, plans[school])).status_code == 403
    assert client.post(_url(school, plans[school]), data={}).status_code == 403
    assert "Start priorities from your self-evaluation" not in text_of(client.get(f"/schools/{school}/plans/{plans[school]}"))
    sign_in("head@example.org")
    assert client.get(_url(school, plans[other])).status_code == 404
    assert client.post(_url(school, plans[other]), data={}).status_code == 404
