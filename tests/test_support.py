"""Support packages: templates (data), applying one to a school on a trigger date, days and money used, the trigger moving."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.schools.models import Role, School
from portal.support import rules
from portal.support.models import OffsetUnit, Payer, Repeat, SupportActivity, SupportPackage, SupportTemplate
from portal.support.money import format_days, format_pence, parse_days, parse_money
from tests.conftest import text_of


@pytest.fixture
def school(app, world):
    """Brookside: head, governor, adviser; the LA admin; Hillview with its own governor."""
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    other_id = world.school("Hillview Academy")
    world.user("other.governor@example.org", "Ola Nowak", roles=[(other_id, Role.GOVERNOR)])
    return {"id": school_id, "other": other_id}


def _date(day):
    return [str(day.day), str(day.month), str(day.year)]


def _template(**activity):
    template = rules.save_template(name="Core package", category_key="cat-4", description="")
    fields = dict(what="Statement of action", offset_count=15, offset_unit=OffsetUnit.WORKING_DAYS, repeat=Repeat.NONE,
                  when_text="Within 15 working days of the final report", who="Lead adviser", days=Decimal("5"),
                  cost_pence=400000, payer=Payer.SCHOOL)
    fields.update(activity)
    rules.save_template_activity(template, **fields)
    db.session.flush()
    return template


# --- rules -------------------------------------------------------------------------------------

def test_working_days_after_a_trigger_skip_the_christmas_holidays_and_a_closure_day():
    # Friday 18 December 2026: 25, 26 (observed 28) December and 1 January are bank holidays.
    assert rules.due_date(date(2026, 12, 18), 15, OffsetUnit.WORKING_DAYS) == date(2027, 1, 13)
    assert rules.due_date(date(2026, 12, 18), 15, OffsetUnit.WORKING_DAYS, frozenset({date(2027, 1, 4)})) == date(2027, 1, 14)
    # Across the late May bank holiday (Monday 31 May 2027).
    assert rules.due_date(date(2027, 5, 28), 1, OffsetUnit.WORKING_DAYS) == date(2027, 6, 1)
    assert rules.due_date(date(2026, 12, 18), 3, OffsetUnit.WEEKS) == date(2027, 1, 8)
    assert rules.due_date(date(2026, 12, 18), 10, OffsetUnit.CALENDAR_DAYS) == date(2026, 12, 28)
    assert rules.due_date(date(2026, 12, 18), None, OffsetUnit.WEEKS) is None


def test_applying_a_template_uses_the_las_closure_days_and_creates_a_repeat_once(ctx, world):
    from portal.terms.models import ClosureDay

    school = db.session.get(School, world.school())
    db.session.add(ClosureDay(day=date(2027, 1, 4), reason="Training day"))
    template = _template()
    rules.save_template_activity(template, what="Round-table review", offset_count=6, offset_unit=OffsetUnit.WEEKS,
                                 repeat=Repeat.HALF_TERMLY, days=Decimal("3"), cost_pence=300000, payer=Payer.SCHOOL)
    rules.save_template_activity(template, what="Support at inspection", offset_count=None, days=Decimal("0.5"))
    package = rules.apply_template(school, template, None, trigger_on=date(2026, 12, 18), trigger_label="Report published")
    db.session.commit()
    dues = {a.what: a.due_on for a in package.activities}
    assert dues == {"Statement of action": date(2027, 1, 14), "Round-table review": date(2027, 1, 29),
                    "Support at inspection": None}
    assert len(package.activities) == 3  # the half-termly review: its first occurrence only
    assert package.days_allocated == Decimal("8.5") and package.cost_committed_pence == 700000
    assert db.session.scalar(select(AuditEvent.school_id).where(AuditEvent.record_type == "support_activity")) == school.id


def test_moving_the_trigger_moves_only_activities_not_done_and_is_audited(ctx, world):
    school = db.session.get(School, world.school())
    template = _template()
    rules.save_template_activity(template, what="Meet the head", offset_count=2, offset_unit=OffsetUnit.WEEKS)
    package = rules.apply_template(school, template, None, trigger_on=date(2026, 11, 2), trigger_label="Report published",
                                   closures=frozenset())
    done, waiting = package.activities
    rules.record_use(done, days_used=Decimal("5"), done_on=date(2026, 11, 20))
    bespoke = rules.add_bespoke_activity(package, what="Pupil premium review", due_on=date(2027, 2, 1))
    was_done = done.due_on
    moved = rules.change_package(package, trigger_on=date(2026, 11, 9), trigger_label="Report published",
                                 closures=frozenset())
    db.session.commit()
    assert moved == 1
    assert done.due_on == was_done and waiting.due_on == date(2026, 11, 23) and bespoke.due_on == date(2027, 2, 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "support_package.trigger_moved"))
    assert event.school_id == school.id and event.changes["activities_moved"] == 1
    assert "2 November 2026" in event.summary and "9 November 2026" in event.summary


def test_days_used_above_days_allocated_need_confirming(ctx, world):
    school = db.session.get(School, world.school())
    package = rules.apply_template(school, _template(), None, trigger_on=date(2026, 11, 2), trigger_label="Report",
                                   closures=frozenset())
    activity = package.activities[0]
    rules.record_use(activity, days_used=Decimal("4.5"))
    assert not activity.over_allocation
    with pytest.raises(RuleBroken, match="more than the days allocated") as refused:
        rules.record_use(activity, days_used=Decimal("5.5"))
    assert refused.value.field == "confirm_over" and activity.days_used == Decimal("4.5")
    rules.record_use(activity, days_used=Decimal("5.5"), confirm_over=True)
    assert activity.over_allocation
    with pytest.raises(RuleBroken, match="half days"):
        rules.record_use(activity, days_used=Decimal("0.3"), confirm_over=True)


def test_money_is_pence_and_days_are_half_days(ctx, world):
    assert parse_money("£1,234.50") == 123450 and parse_money(" 1234.5 ") == 123450 and parse_money("") is None
    for wrong in ("12.345", "-5", "1.2.3", "ten"):
        with pytest.raises(ValueError):
            parse_money(wrong)
    assert format_pence(123450) == "£1,234.50" and format_pence(0) == "£0.00" and format_pence(-500) == "-£5.00"
    assert parse_days("1.5") == Decimal("1.5") and format_days(Decimal("1.0")) == "1 day"
    assert format_days(Decimal("2.5")) == "2.5 days"
    with pytest.raises(ValueError):
        parse_days("0.3")
    school = db.session.get(School, world.school())
    package = rules.apply_template(school, _template(cost_pence=250050), None, trigger_on=date(2026, 11, 2),
                                   trigger_label="Report", closures=frozenset())
    rules.add_bespoke_activity(package, what="Consultant", cost_committed_pence=99950, days_allocated=Decimal("1.5"))
    rules.record_use(package.activities[0], days_used=Decimal("1"), cost_spent_pence=10001)
    assert package.cost_committed_pence == 350000 and isinstance(package.cost_committed_pence, int)
    assert package.cost_spent_pence == 10001 and package.days_allocated == Decimal("6.5")


def test_activities_due_in_one_statement(app, ctx, world):
    from tests.conftest import count_queries

    school = db.session.get(School, world.school())
    other = world.school("Hillview Academy")
    package = rules.apply_template(school, _template(), None, trigger_on=date(2026, 11, 2), trigger_label="Report",
                                   closures=frozenset())  # due 23 November 2026: overdue on the 25th
    rules.add_bespoke_activity(package, what="Later", due_on=date(2027, 3, 1))
    db.session.commit()
    school_id = school.id
    counter, stop = count_queries(app)
    found = rules.activities_due([school_id, other], date(2026, 11, 25))
    stop()
    assert counter["n"] == 1  # the activities with their packages and schools
    assert [a.what for a in found[school_id]] == ["Statement of action"] and found[other] == []


def test_copying_a_ready_made_template_keeps_its_activities(ctx):
    numbers = dict(rules.ready_made_templates())
    assert len(numbers) >= 3
    first = rules.copy_ready_made(numbers[1])
    again = rules.copy_ready_made(numbers[1])
    db.session.commit()
    assert again.name == f"{first.name} (2)" and len(first.activities) == len(numbers[1]["activities"]) > 3
    assert all(isinstance(a.cost_pence, int) for a in first.activities)


def test_every_ready_made_template_can_be_copied(ctx):
    for number, data in rules.ready_made_templates():
        copied = rules.copy_ready_made(data)
        db.session.flush()
        assert [a.what for a in copied.activities] == [a["what"] for a in data["activities"]], number


# --- pages -------------------------------------------------------------------------------------

def test_la_admin_copies_a_ready_made_template_and_applies_it(app, client, sign_in, school):
    sign_in("admin@example.org")
    page = client.get("/support-templates")
    assert page.status_code == 200 and "Requires improvement core package" in text_of(page)
    number = next(n for n, data in rules.ready_made_templates() if data["name"] == "Requires improvement core package")
    copied = client.post(f"/support-templates/ready-made/{number}/copy")
    assert copied.status_code == 302
    shown = client.get(copied.headers["Location"])
    assert "Agree the post-inspection action plan" in text_of(shown)
    with app.app_context():
        template_id = db.session.scalar(select(SupportTemplate.id))
    edit = client.get(f"/support-templates/{template_id}/change")
    assert edit.status_code == 200
    assert client.get(f"/support-templates/{template_id}/activities/new").status_code == 200
    added = client.post(f"/support-templates/{template_id}/activities/new",
                        data={"what": "Pupil premium review", "offset_count": "20", "offset_unit": "working_days",
                              "repeat": "none", "days": "1.5", "cost": "£1,234.50", "payer": "school"})
    assert added.status_code == 302
    assert "£1,234.50" in text_of(client.get(f"/support-templates/{template_id}"))

    assert client.get(f"/schools/{school['id']}/support/apply").status_code == 200
    applied = client.post(f"/schools/{school['id']}/support/apply",
                          data={"template_id": str(template_id), "trigger_label": "Inspection report published",
                                "trigger_on": _date(date(2026, 11, 2))})
    assert applied.status_code == 302
    page = text_of(client.get(f"/schools/{school['id']}/support"))
    assert "Requires improvement core package" in page and "Inspection report published, 2 November 2026" in page
    assert "termly: only the first occurrence is listed" in page
    with app.app_context():
        package = db.session.scalar(select(SupportPackage))
        activity_id = package.activities[0].id
    assert client.get(f"/schools/{school['id']}/support/{package.id}/change").status_code == 200
    assert client.get(f"/schools/{school['id']}/support/{package.id}/activities/{activity_id}/change").status_code == 200
    named = client.post(f"/schools/{school['id']}/support/{package.id}/activities/{activity_id}/change",
                        data={"what": "Confirm the lead", "provider": "national_leader_of_education", "provider_name": "J Bloggs",
                              "days_allocated": "1", "cost_committed": "500", "payer": "la"})
    assert named.status_code == 302
    assert "National leader of education: J Bloggs" in text_of(client.get(f"/schools/{school['id']}/support"))
    moved = client.post(f"/schools/{school['id']}/support/{package.id}/change",
                        data={"trigger_label": "Inspection report published", "trigger_on": _date(date(2026, 11, 9))})
    assert moved.status_code == 302
    with app.app_context():
        assert db.session.get(SupportPackage, package.id).trigger_on == date(2026, 11, 9)


def _applied(app, school_id):
    with app.app_context():
        template = _template()
        package = rules.apply_template(db.session.get(School, school_id), template, None, trigger_on=date(2026, 11, 2),
                                       trigger_label="Report published", closures=frozenset())
        db.session.commit()
        return package.id, package.activities[0].id


def test_adviser_adds_a_bespoke_activity_and_records_days_used(app, client, sign_in, school):
    package_id, activity_id = _applied(app, school["id"])
    base = f"/schools/{school['id']}/support/{package_id}"
    sign_in("adviser@example.org")
    assert client.get(f"{base}/change").status_code == 403
    assert client.get(f"{base}/activities/new").status_code == 200
    added = client.post(f"{base}/activities/new", data={"what": "Governance review", "provider": "local_leader_of_governance",
                                                        "days_allocated": "1", "cost_committed": "250", "payer": "school",
                                                        "due_on": _date(date(2027, 1, 20))})
    assert added.status_code == 302
    assert client.get(f"{base}/activities/{activity_id}/record").status_code == 200
    over = client.post(f"{base}/activities/{activity_id}/record", data={"days_used": "6", "cost_spent": "4,100"})
    assert over.status_code == 200
    body = text_of(over)
    assert "More days are used than the 5 days allocated" in body and "tick the box to confirm" in body
    assert 'value="6"' in over.get_data(as_text=True) and 'value="4,100"' in over.get_data(as_text=True)
    confirmed = client.post(f"{base}/activities/{activity_id}/record",
                            data={"days_used": "6", "cost_spent": "4,100", "confirm_over": "y",
                                  "done_on": _date(date(2026, 11, 20))})
    assert confirmed.status_code == 302
    with app.app_context():
        activity = db.session.get(SupportActivity, activity_id)
        assert activity.days_used == Decimal("6") and activity.cost_spent_pence == 410000 and activity.done_on == date(2026, 11, 20)
    page = text_of(client.get(f"/schools/{school['id']}/support"))
    assert "Over allocation" in page and "Governance review" in page and "Local leader of governance" in page


def test_bad_input_keeps_what_was_typed(app, client, sign_in, school):
    package_id, activity_id = _applied(app, school["id"])
    sign_in("admin@example.org")
    bad = client.post(f"/schools/{school['id']}/support/{package_id}/activities/new",
                      data={"what": "Consultant visit", "days_allocated": "0.3", "cost_committed": "12.345", "payer": "school"})
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert "Days allocated must be a number of days in half days" in html and "Cost committed in pounds must be an amount" in html
    assert 'value="0.3"' in html and 'value="12.345"' in html and "Consultant visit" in html
    no_date = client.post(f"/schools/{school['id']}/support/apply", data={"trigger_label": "Report", "trigger_on": ["", "", ""]})
    assert no_date.status_code == 200 and "Enter the trigger date" in text_of(no_date)


def test_head_reads_but_may_not_write_and_another_school_is_not_found(app, client, sign_in, school):
    package_id, activity_id = _applied(app, school["id"])
    base = f"/schools/{school['id']}/support"
    sign_in("head@example.org")
    page = client.get(base)
    assert page.status_code == 200 and "Statement of action" in text_of(page) and "Record use" not in text_of(page)
    for url in (f"{base}/apply", f"{base}/{package_id}/change", f"{base}/{package_id}/activities/new",
                f"{base}/{package_id}/activities/{activity_id}/record", f"{base}/{package_id}/activities/{activity_id}/change"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data={}).status_code == 403, url
    assert client.get("/support-templates").status_code == 403
    sign_in("governor@example.org")
    assert client.get(base).status_code == 200
    sign_in("other.governor@example.org")
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{package_id}/activities/{activity_id}/record").status_code == 404


def test_the_access_matrix_records_can_be_made_for_two_schools(ctx, world):
    """What tests/test_access_matrix.py's fixture does, per school."""
    for school_id in [world.school("Own School"), world.school("Other School")]:
        school = db.session.get(School, school_id)
        template = rules.copy_ready_made(dict(rules.ready_made_templates())[1])
        db.session.flush()
        package = rules.apply_template(school, template, None, trigger_on=date(2026, 11, 2),
                                       trigger_label="Inspection report published", closures=frozenset())
        ids = {"template_id": template.id, "template_activity_id": template.activities[0].id,
               "package_id": package.id, "activity_id": package.activities[0].id}
        assert all(ids.values())
    db.session.commit()


def test_an_applied_package_shows_on_the_timeline(app, school):
    from portal.auth.models import User
    from portal.schools.timeline import timeline

    _applied(app, school["id"])
    with app.app_context():
        row = db.session.get(School, school["id"])
        admin = db.session.scalar(select(User).where(User.is_la_admin.is_(True)))
        events = timeline(row, admin, kinds=["support"])
    assert [(e.kind, e.on) for e in events] == [("support", date(2026, 11, 2))]
    assert events[0].title.startswith("Support package: ") and "From: Report published." in events[0].detail


# --- termly impact reviews and the commissioning view ---------------------------------------------------------------

def _term_dates():
    from portal.terms.rules import save_term_dates
    from tests.test_meetings import YEAR

    save_term_dates(None, *YEAR)


def test_a_package_is_due_for_review_once_a_term(app, school):
    from portal.support.models import ReviewDecision
    from portal.support.reviews import due_for_review, record_review, term_of, terms

    package_id, _ = _applied(app, school["id"])
    with app.app_context():
        _term_dates()
        package = db.session.get(SupportPackage, package_id)
        all_terms = terms()
        assert term_of(date(2026, 11, 25), all_terms).label == "Autumn term 2026"
        assert term_of(date(2026, 12, 28), all_terms).label == "Autumn term 2026"  # the holiday after it
        assert term_of(date(2027, 1, 5), all_terms).label == "Spring term 2027"
        assert due_for_review(package, date(2026, 11, 25), all_terms)
        with pytest.raises(RuleBroken, match="impact"):
            record_review(package, None, impact=" ", decision=ReviewDecision.MAINTAIN, reason="x", today=date(2026, 11, 25))
        with pytest.raises(RuleBroken, match="reduce, maintain"):
            record_review(package, None, impact="Reading improved", decision=None, reason="x", today=date(2026, 11, 25))
        record_review(package, None, impact="Reading improved", decision=ReviewDecision.REDUCE, reason="Secure now",
                      today=date(2026, 11, 25))
        db.session.commit()
        assert not due_for_review(package, date(2026, 12, 18), all_terms)
        assert due_for_review(package, date(2027, 1, 5), all_terms)  # a new term


def test_the_adviser_reviews_impact_and_the_la_admin_sees_what_is_due(app, client, sign_in, school):
    package_id, _ = _applied(app, school["id"])
    with app.app_context():
        _term_dates()
        db.session.commit()
    sign_in("admin@example.org")
    page = text_of(client.get("/support/commissioning?due=1"))
    assert "Brookside Primary School" in page and "Due for review" in page and "Autumn term 2026" in page
    sign_in("adviser@example.org")
    url = f"/schools/{school['id']}/support/{package_id}/review"
    refused = client.post(url, data={"impact": "Phonics groups now run daily", "reason": ""})
    assert "Choose reduce, maintain" in text_of(refused) and "Phonics groups now run daily" in refused.get_data(as_text=True)
    done = client.post(url, data={"impact": "Phonics groups now run daily", "decision": "maintain",
                                  "reason": "Keep the support until the spring review"}, follow_redirects=True)
    assert "The review of" in text_of(done) and "Maintain" in text_of(done) and "Keep the support" in text_of(done)
    sign_in("admin@example.org")
    assert "No packages due for review" in text_of(client.get("/support/commissioning?due=1"))
    sign_in("head@example.org")
    assert client.get(url).status_code == 403
    sign_in("other.governor@example.org")
    assert client.get(url).status_code == 404


def test_activities_due_show_on_the_advisers_home_page(app, client, sign_in, school):
    _applied(app, school["id"])  # its activity is due 23 November 2026: overdue on the 25th
    sign_in("adviser@example.org")
    home = text_of(client.get("/"))
    assert "Support activities due" in home and "Overdue Statement of action Brookside Primary School" in home
    sign_in("head@example.org")
    assert "Support activities due" not in text_of(client.get("/"))
