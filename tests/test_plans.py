"""Improvement plans: leaders draft them, the school's adviser agrees them, changes after agreement show."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.auth.models import User
from tests.test_meetings import YEAR as TERM_DATES
from portal.extensions import db
from portal.plans import rules
from portal.plans.models import Plan, PlanAction, PlanKind, PlanStatus, Priority, SuccessCriterion
from portal.schools.models import Role, School
from portal.terms.rules import save_term_dates
from tests.conftest import text_of


@pytest.fixture
def year(app):
    """2026 to 2027, with its six half terms."""
    with app.app_context():
        academic_year = save_term_dates(None, *TERM_DATES)
        db.session.commit()
        return academic_year.id


@pytest.fixture
def brookside(world, year):
    """A primary school with a headteacher, an adviser and a governor; and another school with its own head."""
    school = world.school("Brookside Primary School")
    other = world.school("Kingsway Academy")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school, Role.ADVISER)]),
        "governor": world.user("governor@example.org", "Tom Reed", roles=[(school, Role.GOVERNOR)]),
        "other_head": world.user("head@kingsway.example.org", "Dan Okafor", roles=[(other, Role.HEADTEACHER)]),
    }
    return school, other, people


def _ready_plan(app, school_id, *, with_criterion=True):
    """A plan with one priority, one action and (unless told not to) one success criterion, built by the rules."""
    with app.app_context():
        school = db.session.get(School, school_id)
        head = db.session.scalar(select(User).where(User.email == "head@example.org"))
        from portal.terms.models import AcademicYear

        academic_year = db.session.scalar(select(AcademicYear))
        plan = rules.create_plan(school, head, kind=PlanKind.RAP, title="Raising Achievement Plan 2026 to 2027",
                                 academic_year=academic_year)
        priority = rules.save_priority(plan, None, title="Improve reading in key stage 2", description="")
        rules.save_action(priority, None, description="Train staff in guided reading", owner="English lead",
                          starts_on=date(2026, 11, 2), due_on=date(2026, 12, 18), cost="£1,200")
        if with_criterion:
            rules.save_criterion(priority, None, description="85% of year 6 reach the expected standard in reading",
                                 milestones={academic_year.half_terms[0]: "70% on track"})
        db.session.commit()
        action = priority.actions[0]
        return {"plan": plan.id, "priority": priority.id, "action": action.id}


def _plan_url(school_id, plan_id, rest=""):
    return f"/schools/{school_id}/plans/{plan_id}{rest}"


def _date(prefix, day):
    return {prefix: [str(day.day), str(day.month), str(day.year)]}


def test_headteacher_builds_a_plan(app, client, sign_in, brookside, year):
    school, _, _ = brookside
    sign_in("head@example.org")
    page = client.get(f"/schools/{school}/plans")
    assert page.status_code == 200
    assert "Start a plan" in text_of(page) and "2026 to 2027" in text_of(page)

    refused = client.post(f"/schools/{school}/plans/new", data={"kind": "rap", "title": "", "academic_year_id": year})
    assert refused.status_code == 200
    assert "There is a problem" in text_of(refused) and "Enter the plan's title" in text_of(refused)

    started = client.post(f"/schools/{school}/plans/new",
                          data={"kind": "statement_of_action", "title": "Statement of Action 2026", "academic_year_id": year})
    assert started.status_code == 302
    with app.app_context():
        plan = db.session.scalar(select(Plan))
        plan_id = plan.id
        assert plan.kind == PlanKind.STATEMENT_OF_ACTION and plan.status == PlanStatus.DRAFT
    assert started.headers["Location"].endswith(_plan_url(school, plan_id))

    assert client.get(_plan_url(school, plan_id, "/priorities/new")).status_code == 200
    refused = client.post(_plan_url(school, plan_id, "/priorities/new"), data={"title": "  ", "description": ""})
    assert refused.status_code == 200 and "Enter the priority" in text_of(refused)
    added = client.post(_plan_url(school, plan_id, "/priorities/new"),
                        data={"title": "Improve reading in key stage 2", "description": "Reading lags writing."})
    assert added.status_code == 302
    with app.app_context():
        priority_id = db.session.scalar(select(Priority.id))

    action_url = _plan_url(school, plan_id, f"/priorities/{priority_id}/actions/new")
    assert client.get(action_url).status_code == 200
    backwards = client.post(action_url, data={
        "description": "Train staff in guided reading", "owner": "English lead", "cost": "£1,200",
        **_date("starts_on", date(2026, 11, 20)), **_date("due_on", date(2026, 11, 2)),
    })
    assert backwards.status_code == 200
    html = backwards.get_data(as_text=True)
    assert "The due date must be the same as or after the start date" in text_of(backwards)
    assert "There is a problem" in text_of(backwards)
    for part, typed in (("starts_on-day", "20"), ("starts_on-month", "11"), ("due_on-day", "2"), ("due_on-year", "2026")):
        field = html[html.index(f'id="{part}"'):]
        assert f'value="{typed}"' in field[:field.index(">")], part
    assert 'value="Train staff in guided reading"' not in html  # a textarea keeps it as its content
    assert "Train staff in guided reading" in html and 'value="English lead"' in html
    with app.app_context():
        assert db.session.scalar(select(PlanAction)) is None

    unfinished = client.post(action_url, data={"description": "Train staff", "starts_on": ["2", "11", ""]})
    assert unfinished.status_code == 200 and "Start date must include a year" in text_of(unfinished)

    saved = client.post(action_url, data={
        "description": "Train staff in guided reading", "owner": "English lead", "cost": "£1,200",
        **_date("starts_on", date(2026, 11, 2)), **_date("due_on", date(2026, 12, 18)),
    })
    assert saved.status_code == 302

    criterion_url = _plan_url(school, plan_id, f"/priorities/{priority_id}/criteria/new")
    form_page = client.get(criterion_url)
    assert form_page.status_code == 200
    assert "Milestone by the end of Autumn 1" in text_of(form_page) and "Milestone by the end of Summer 2" in text_of(form_page)
    refused = client.post(criterion_url, data={"description": "", "milestone_1": "70% on track"})
    assert refused.status_code == 200 and "Describe how you will know this has succeeded" in text_of(refused)
    assert "70% on track" in refused.get_data(as_text=True)
    saved = client.post(criterion_url, data={"description": "85% of year 6 reach the expected standard in reading",
                                             "milestone_1": "70% on track", "milestone_3": "78% on track"})
    assert saved.status_code == 302

    page = text_of(client.get(_plan_url(school, plan_id)))
    assert "Statement of Action 2026" in page and "Draft" in page
    assert "Improve reading in key stage 2" in page and "Reading lags writing." in page
    assert "Train staff in guided reading English lead 2 November 2026 18 December 2026 £1,200" in page
    assert "85% of year 6 reach the expected standard in reading" in page
    assert "Autumn 1 70% on track Autumn 2 None set Spring 1 78% on track Spring 2 None set" in page
    assert "Agree this plan" not in page  # only the adviser agrees

    with app.app_context():
        criterion = db.session.scalar(select(SuccessCriterion))
        assert {m.half_term.name: m.text for m in criterion.milestones} == {"Autumn 1": "70% on track", "Spring 1": "78% on track"}


def test_leaders_change_what_they_wrote(app, client, sign_in, brookside):
    school, _, _ = brookside
    ids = _ready_plan(app, school)
    with app.app_context():
        criterion_id = db.session.scalar(select(SuccessCriterion.id))
    sign_in("head@example.org")
    edit = client.get(_plan_url(school, ids["plan"], "/edit"))
    assert edit.status_code == 200 and 'value="Raising Achievement Plan 2026 to 2027"' in edit.get_data(as_text=True)
    assert client.post(_plan_url(school, ids["plan"], "/edit"), data={"kind": "post_inspection", "title": "After Ofsted"}).status_code == 302

    action_page = client.get(_plan_url(school, ids["plan"], f"/priorities/{ids['priority']}/actions/{ids['action']}"))
    assert action_page.status_code == 200 and 'value="18"' in action_page.get_data(as_text=True)

    criterion_url = _plan_url(school, ids["plan"], f"/priorities/{ids['priority']}/criteria/{criterion_id}")
    assert "70% on track" in client.get(criterion_url).get_data(as_text=True)
    assert client.post(criterion_url, data={"description": "88% reach the standard", "milestone_1": "72% on track"}).status_code == 302

    page = text_of(client.get(_plan_url(school, ids["plan"])))
    assert "After Ofsted" in page and "Post-inspection action plan" in page
    assert "88% reach the standard" in page and "72% on track" in page


def test_governor_reads_but_does_not_edit(app, client, sign_in, brookside):
    school, _, _ = brookside
    ids = _ready_plan(app, school)
    sign_in("governor@example.org")
    index = client.get(f"/schools/{school}/plans")
    assert index.status_code == 200 and "Raising Achievement Plan 2026 to 2027" in text_of(index)
    assert "Start a plan" not in text_of(index)
    page = client.get(_plan_url(school, ids["plan"]))
    assert page.status_code == 200 and "Train staff in guided reading" in text_of(page)
    assert "Change the plan details" not in text_of(page) and "Agree this plan" not in text_of(page)
    for rest in ("/edit", "/priorities/new", f"/priorities/{ids['priority']}",
                 f"/priorities/{ids['priority']}/actions/new", f"/priorities/{ids['priority']}/actions/{ids['action']}",
                 f"/priorities/{ids['priority']}/criteria/new"):
        assert client.get(_plan_url(school, ids["plan"], rest)).status_code == 403, rest
    assert client.post(f"/schools/{school}/plans/new", data={"kind": "rap", "title": "Mine"}).status_code == 403
    assert client.post(_plan_url(school, ids["plan"], "/agree")).status_code == 403


def test_adviser_agrees_the_plan(app, client, sign_in, brookside):
    school, _, _ = brookside
    ids = _ready_plan(app, school)
    sign_in("head@example.org")
    assert client.post(_plan_url(school, ids["plan"], "/agree")).status_code == 403  # leaders cannot agree their own plan

    sign_in("adviser@example.org")
    page = client.get(_plan_url(school, ids["plan"]))
    assert "Agree this plan" in text_of(page)
    assert client.get(_plan_url(school, ids["plan"], "/edit")).status_code == 403
    agreed = client.post(_plan_url(school, ids["plan"], "/agree"), follow_redirects=True)
    assert agreed.status_code == 200
    page = text_of(agreed)
    assert "You agreed Raising Achievement Plan 2026 to 2027." in page
    assert "Agreed Agreed by Priya Shah on" in page and "Agree this plan" not in page
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        assert plan.status == PlanStatus.AGREED
        agreement = plan.latest_agreement
        assert agreement.agreed_by.name == "Priya Shah"
        assert agreement.snapshot["priorities"][0]["title"] == "Improve reading in key stage 2"
        assert agreement.snapshot["priorities"][0]["actions"][0]["due_on"] == "2026-12-18"
        assert agreement.snapshot["priorities"][0]["success_criteria"][0]["milestones"] == {"Autumn 1": "70% on track"}


def test_a_priority_without_a_success_criterion_cannot_be_agreed(app, client, sign_in, brookside):
    school, _, _ = brookside
    ids = _ready_plan(app, school, with_criterion=False)
    sign_in("adviser@example.org")
    refused = client.post(_plan_url(school, ids["plan"], "/agree"))
    assert refused.status_code == 302 and refused.headers["Location"].endswith(_plan_url(school, ids["plan"]))
    page = text_of(client.get(_plan_url(school, ids["plan"])))
    assert ("Each priority needs at least one action and one success criterion: Improve reading in key stage 2") in page
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        assert plan.status == PlanStatus.DRAFT and plan.agreements == []


def test_a_change_after_agreement_is_listed(app, client, sign_in, brookside):
    school, _, _ = brookside
    ids = _ready_plan(app, school)
    sign_in("adviser@example.org")
    assert client.post(_plan_url(school, ids["plan"], "/agree")).status_code == 302

    sign_in("head@example.org")
    action_url = _plan_url(school, ids["plan"], f"/priorities/{ids['priority']}/actions/{ids['action']}")
    assert "Your adviser has agreed this plan" in text_of(client.get(action_url))
    changed = client.post(action_url, data={
        "description": "Train staff in guided reading", "owner": "English lead", "cost": "£1,200",
        **_date("starts_on", date(2026, 11, 2)), **_date("due_on", date(2027, 1, 15)),
    })
    assert changed.status_code == 302
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        assert plan.status == PlanStatus.AMENDED
        assert plan.latest_agreement.snapshot["priorities"][0]["actions"][0]["due_on"] == "2026-12-18"  # the agreed version is kept

    page = text_of(client.get(_plan_url(school, ids["plan"])))
    assert "Changed since agreed" in page
    assert "Changed since the adviser agreed it on" in page
    assert "due date changed from 18 December 2026 to 15 January 2027" in page

    sign_in("adviser@example.org")
    assert "Agree this plan" in text_of(client.get(_plan_url(school, ids["plan"])))
    assert client.post(_plan_url(school, ids["plan"], "/agree")).status_code == 302
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        assert plan.status == PlanStatus.AGREED and len(plan.agreements) == 2


def test_another_schools_head_gets_not_found(app, client, sign_in, brookside):
    school, other, _ = brookside
    ids = _ready_plan(app, school)
    sign_in("head@kingsway.example.org")
    assert client.get(f"/schools/{school}/plans").status_code == 404
    assert client.get(_plan_url(school, ids["plan"])).status_code == 404
    assert client.get(_plan_url(school, ids["plan"], "/edit")).status_code == 404
    # Their own school in the URL, this plan's id: still not found.
    for rest in ("", "/edit", "/priorities/new", f"/priorities/{ids['priority']}",
                 f"/priorities/{ids['priority']}/actions/{ids['action']}"):
        assert client.get(_plan_url(other, ids["plan"], rest)).status_code == 404, rest
    assert client.post(_plan_url(other, ids["plan"], "/edit"), data={"kind": "rap", "title": "Taken"}).status_code == 404
    with app.app_context():
        assert db.session.get(Plan, ids["plan"]).title == "Raising Achievement Plan 2026 to 2027"


def test_ids_must_belong_to_the_plan_and_priority_in_the_url(app, client, sign_in, brookside):
    school, _, _ = brookside
    ids = _ready_plan(app, school)
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        second = rules.save_priority(plan, None, title="Improve attendance", description="")
        db.session.commit()
        second_id = second.id
        criterion_id = db.session.scalar(select(SuccessCriterion.id))
    sign_in("head@example.org")
    base = _plan_url(school, ids["plan"])
    assert client.get(f"{base}/priorities/{ids['priority']}/actions/{ids['action']}").status_code == 200
    assert client.get(f"{base}/priorities/{second_id}/actions/{ids['action']}").status_code == 404
    assert client.post(f"{base}/priorities/{second_id}/actions/{ids['action']}",
                       data={"description": "Moved"}).status_code == 404
    assert client.get(f"{base}/priorities/{second_id}/criteria/{criterion_id}").status_code == 404
    assert client.get(f"{base}/priorities/999999").status_code == 404
    assert client.get(_plan_url(school, 999999)).status_code == 404
