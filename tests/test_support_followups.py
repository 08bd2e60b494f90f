"""Support follow-ups: repeating activities (the next occurrence, once; stopping), the days a visit used against an
activity, and reminders of support activities due. Every date is pinned: the suite passes on any system date."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.reminders.models import MessageStatus, OutboxMessage
from portal.reminders.scan import scan
from portal.schools.models import Role, School
from portal.support import rules
from portal.support.models import (OffsetUnit, Payer, Provider, ReviewDecision, Repeat, SupportActivity, SupportPackage,
                                   SupportTemplate)
from portal.terms.rules import academic_years, save_term_dates
from portal.visits import rules as visit_rules
from portal.visits.models import Visit, VisitKind
from tests.conftest import count_queries, statements_behind, text_of
from tests.test_meetings import YEAR  # 2026 to 2027: Autumn 1 from Wednesday 2 September ... Summer 2 to 21 July
from tests.test_reminders import _walk
from tests.test_support import _date

TRIGGER = date(2026, 9, 7)  # a Monday in Autumn 1


@pytest.fixture
def school(app, world):
    """Brookside: head, governor, adviser (and a former adviser, inactive); the LA admin; Hillview with its own
    governor and adviser; the LA's 2026 to 2027 term dates."""
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    world.user("former.adviser@example.org", "Dan Ellis", roles=[(school_id, Role.ADVISER)], active=False)
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    other_id = world.school("Hillview Academy")
    world.user("other.governor@example.org", "Ola Nowak", roles=[(other_id, Role.GOVERNOR)])
    world.user("other.adviser@example.org", "Ravi Patel", roles=[(other_id, Role.ADVISER)])
    with app.app_context():
        save_term_dates(None, *YEAR)
        db.session.commit()
    return {"id": school_id, "other": other_id}


def _template():
    """A core package template (a new one each time: template names are unique). Call inside an app context."""
    number = db.session.scalar(select(func.count()).select_from(SupportTemplate)) + 1
    template = rules.save_template(name="Core package" if number == 1 else f"Core package {number}")
    rules.save_template_activity(template, what="Statement of action", offset_count=15, offset_unit=OffsetUnit.WORKING_DAYS,
                                 repeat=Repeat.NONE, who="Lead adviser", days=Decimal("5"), cost_pence=400000,
                                 payer=Payer.SCHOOL)
    return template


def _package(school_id, *, repeat=Repeat.HALF_TERMLY, days=Decimal("3")):
    """The core package on TRIGGER: a statement of action 15 working days on, and a round-table review 2 weeks on
    (Monday 21 September 2026) repeating ``repeat``. Call inside an app context."""
    template = _template()
    rules.save_template_activity(template, what="Round-table review", purpose="Check the plan is working",
                                 offset_count=2, offset_unit=OffsetUnit.WEEKS, repeat=repeat, who="Lead adviser",
                                 days=days, cost_pence=300000, payer=Payer.LA)
    package = rules.apply_template(db.session.get(School, school_id), template, None, trigger_on=TRIGGER,
                                   trigger_label="Inspection report published", closures=frozenset())
    review = _review(package)
    rules.change_activity(review, what=review.what, purpose=review.purpose, who=review.who, provider=Provider.NLE,
                          provider_name="J Bloggs", days_allocated=review.days_allocated,
                          cost_committed_pence=review.cost_committed_pence, payer=review.payer)
    db.session.flush()
    return package


def _review(package, number=1):
    return [a for a in package.activities if a.what == "Round-table review"][number - 1]


# --- repeating activities: rules ---------------------------------------------------------------------------------

def test_the_next_occurrence_is_as_far_into_the_next_half_term_on_a_working_day(ctx, school):
    years = academic_years()
    half_termly, termly = Repeat.HALF_TERMLY, Repeat.TERMLY
    # 14 days into Autumn 1 (from Wednesday 2 September): 14 days into Autumn 2, across the October half term.
    assert rules.next_occurrence_due(date(2026, 9, 16), half_termly, years) == date(2026, 11, 16)
    # 4 days into Autumn 2 lands on Saturday 9 January in Spring 1, across Christmas: moved to Monday.
    assert rules.next_occurrence_due(date(2026, 11, 6), half_termly, years) == date(2027, 1, 11)
    assert rules.next_occurrence_due(date(2026, 11, 6), half_termly, years, frozenset({date(2027, 1, 11)})) == date(2027, 1, 12)
    # 38 days into Spring 1 is past the end of the shorter Spring 2; its last day, 26 March, is Good Friday: the
    # working day before it, still in Spring 2.
    assert rules.next_occurrence_due(date(2027, 2, 12), half_termly, years) == date(2027, 3, 25)
    # Termly: 35 days into the autumn term, 35 days into the spring term (from Tuesday 5 January).
    assert rules.next_occurrence_due(date(2026, 10, 7), termly, years) == date(2027, 2, 9)
    # After Summer 2 the next year's dates are not entered: 7 weeks on, off the late summer bank holiday.
    assert rules.next_occurrence_due(date(2027, 7, 12), half_termly, years) == date(2027, 8, 31)
    # No term dates at all: 7 weeks (off the Boxing Day substitute), 13 weeks.
    assert rules.next_occurrence_due(date(2026, 11, 9), half_termly, ()) == date(2026, 12, 29)
    assert rules.next_occurrence_due(date(2026, 11, 23), termly, ()) == date(2027, 2, 22)


def test_marking_an_occurrence_done_adds_the_next_once(ctx, school):
    package = _package(school["id"])
    first = _review(package)
    assert first.due_on == date(2026, 9, 21) and first.makes_next and first.occurrence_number == 1
    rules.record_use(first, days_used=Decimal("2"), cost_spent_pence=150000, done_on=date(2026, 9, 21),
                     today=date(2026, 11, 25), closures=frozenset())
    db.session.commit()
    assert len(package.activities) == 3
    second = _review(package, 2)
    # 19 days into Autumn 1 -> 19 days into Autumn 2 is Saturday 21 November: Monday 23 November.
    assert second.due_on == date(2026, 11, 23) and second.done_on is None and second.occurrence_number == 2
    assert (second.what, second.purpose, second.who, second.provider, second.provider_name, second.payer) == (
        "Round-table review", "Check the plan is working", "Lead adviser", Provider.NLE, "J Bloggs", Payer.LA)
    assert second.days_allocated == Decimal("3") and second.days_used == 0
    assert second.cost_committed_pence == 300000 and second.cost_spent_pence == 0
    assert second.repeat == Repeat.HALF_TERMLY and second.offset_count is None and not second.bespoke
    assert first.later_occurrence is second and not first.makes_next and second.makes_next
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "support_activity.created")).all()
    assert any(event.changes["due_on"] == "2026-11-23" for event in created)

    # Marking it done again, or changing its days, adds nothing.
    rules.record_use(first, days_used=Decimal("2.5"), cost_spent_pence=150000, done_on=date(2026, 9, 22),
                     today=date(2026, 11, 25), closures=frozenset())
    rules.record_use(first, days_used=Decimal("3"), done_on=date(2026, 9, 22), today=date(2026, 11, 25), closures=frozenset())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SupportActivity)
                             .where(SupportActivity.what == "Round-table review")) == 2

    # Moving the trigger moves only what is not done and follows the trigger: not the occurrence added.
    moved = rules.change_package(package, trigger_on=date(2026, 9, 14), trigger_label="Inspection report published",
                                 closures=frozenset())
    assert moved == 1 and first.due_on == date(2026, 9, 21) and second.due_on == date(2026, 11, 23)

    # The second, done, adds the third: 21 days into Autumn 2 -> 21 days into Spring 1.
    rules.record_use(second, days_used=Decimal("1"), done_on=date(2026, 11, 24), today=date(2026, 11, 25),
                     closures=frozenset())
    db.session.commit()
    assert _review(package, 3).due_on == date(2027, 1, 26)


def test_a_termly_activity_moves_to_the_next_term(ctx, school):
    package = _package(school["id"], repeat=Repeat.TERMLY)
    rules.record_use(_review(package), days_used=Decimal("1"), done_on=date(2026, 9, 21), today=date(2026, 11, 25),
                     closures=frozenset())
    # 19 days into the autumn term -> 19 days into the spring term (from Tuesday 5 January).
    assert _review(package, 2).due_on == date(2027, 1, 25)


def test_the_la_admin_stops_a_repeating_activity(ctx, school):
    package = _package(school["id"])
    first = _review(package)
    rules.record_use(first, days_used=Decimal("2"), done_on=date(2026, 9, 21), today=date(2026, 11, 25), closures=frozenset())
    second = _review(package, 2)
    stopped = rules.stop_repeating(first, today=date(2026, 11, 25))  # from any occurrence: the latest stops
    db.session.commit()
    assert stopped is second and second.repeat == Repeat.NONE and not second.makes_next
    assert "half-termly until stopped on 25 November 2026" in second.when_label
    assert first.repeat == Repeat.HALF_TERMLY  # the record of what was done stays
    rules.record_use(second, days_used=Decimal("1"), done_on=date(2026, 11, 24), today=date(2026, 11, 25), closures=frozenset())
    db.session.commit()
    assert len([a for a in package.activities if a.what == "Round-table review"]) == 2
    with pytest.raises(RuleBroken, match="does not repeat"):
        rules.stop_repeating(second)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "support_activity.repeat_stopped"))
    assert event.school_id == school["id"] and event.changes == {"repeat": ["half_termly", "none"]}


# --- days a visit used: rules ------------------------------------------------------------------------------------

def test_a_visits_days_are_counted_once_and_moved_when_changed(ctx, school):
    package = _package(school["id"])
    review, statement = _review(package), package.activities[0]  # 3 days allocated; 5 days allocated
    row = db.session.get(School, school["id"])
    today = date(2026, 11, 25)
    visit = visit_rules.record_visit(row, None, visited_on=date(2026, 9, 21), kind=VisitKind.SUPPORT, today=today,
                                     support_activity=review, support_days=Decimal("1.5"))
    db.session.commit()
    assert review.days_used == Decimal("1.5") and visit.support_activity is review
    assert review.visits == [visit]

    def change(activity, days, confirm_over=False):
        visit_rules.change_details(visit, visited_on=visit.visited_on, kind=visit.kind, today=today,
                                   support_activity=activity, support_days=days, confirm_over=confirm_over)
        db.session.commit()

    change(review, Decimal("2"))  # the difference, not the days again
    assert review.days_used == Decimal("2")
    change(review, Decimal("2"))  # saved again unchanged: nothing moves
    assert review.days_used == Decimal("2")
    change(statement, Decimal("1"))  # another activity: the days move
    assert review.days_used == 0 and statement.days_used == Decimal("1")

    with pytest.raises(RuleBroken, match="more than the 3 allocated: tick the box") as refused:
        change(review, Decimal("3.5"))
    db.session.rollback()
    assert refused.value.field == "confirm_over"
    assert statement.days_used == Decimal("1") and review.days_used == 0 and visit.support_activity is statement
    change(review, Decimal("3.5"), confirm_over=True)
    assert review.days_used == Decimal("3.5") and review.over_allocation and statement.days_used == 0
    change(review, Decimal("3"))  # fewer days: no tick needed
    assert review.days_used == Decimal("3")

    for activity, days, field in ((None, Decimal("1"), "support_activity_id"), (review, None, "support_days"),
                                  (review, Decimal("0.3"), "support_days")):
        with pytest.raises(RuleBroken) as refused:
            change(activity, days)
        db.session.rollback()
        assert refused.value.field == field
    change(None, None)  # no longer a support visit: its days come off
    assert review.days_used == 0 and visit.support_activity is None and visit.support_days is None


def test_a_visit_may_not_count_days_on_a_done_activity_or_another_schools(ctx, school):
    package = _package(school["id"])
    statement = package.activities[0]
    rules.record_use(statement, days_used=Decimal("1"), done_on=date(2026, 10, 1), today=date(2026, 11, 25))
    other = _package(school["other"])
    row = db.session.get(School, school["id"])
    for activity, message in ((statement, "is marked done"), (_review(other), "the school's support activities")):
        with pytest.raises(RuleBroken, match=message):
            visit_rules.record_visit(row, None, visited_on=date(2026, 11, 2), kind=VisitKind.SUPPORT,
                                     support_activity=activity, support_days=Decimal("1"), today=date(2026, 11, 25))
    assert [a.what for a, _label in visit_rules.support_choices(row)] == ["Round-table review"]
    assert "Core package: Round-table review (due 21 September 2026)" == visit_rules.support_choices(row)[0][1]


# --- reminders ---------------------------------------------------------------------------------------------------

def _bespoke(app, school_id, what, due_on):
    with app.app_context():
        package = db.session.scalar(select(SupportPackage).where(SupportPackage.school_id == school_id)) or \
            rules.apply_template(db.session.get(School, school_id), _template(), None, trigger_on=TRIGGER,
                                 trigger_label="Report published", closures=frozenset())
        activity = rules.add_bespoke_activity(package, what=what, due_on=due_on, days_allocated=Decimal("2"))
        db.session.commit()
        return activity.id


def test_support_reminders_go_to_active_advisers_on_their_working_days_once(app, school, smtp_server, travel):
    # Due Monday 4 January 2027: 5 working days before is Wednesday 23 December (Christmas, the weekend, Boxing Day
    # observed on the 28th and New Year's Day do not count); overdue on Tuesday 5 January.
    reminded = _bespoke(app, school["id"], "Pupil premium review", date(2027, 1, 4))
    done_in_time = _bespoke(app, school["id"], "Governance review", date(2027, 1, 6))
    sent = defaultdict(list)
    for day, messages in _walk(app, travel, date(2026, 12, 14), date(2027, 1, 5)).items():
        sent[day] += messages
    with app.app_context():
        rules.record_use(db.session.get(SupportActivity, done_in_time), days_used=Decimal("1"), done_on=date(2027, 1, 5),
                         today=date(2027, 1, 5))
        db.session.commit()
    for day, messages in _walk(app, travel, date(2027, 1, 6), date(2027, 1, 22)).items():
        sent[day] += messages
    support = sorted((day, to, subject) for day, messages in sent.items() for kind, to, subject in messages if kind == "support")
    assert [(day, to) for day, to, _ in support] == [
        (date(2026, 12, 23), "adviser@example.org"),  # Pupil premium review, due 4 January
        (date(2026, 12, 29), "adviser@example.org"),  # Governance review, due 6 January
        (date(2027, 1, 5), "adviser@example.org"),    # Pupil premium review overdue; the governance review was done
    ]
    assert support[0][2] == "Support activity due 4 January 2027: Brookside Primary School: Pupil premium review"
    assert support[2][2].startswith("Overdue: support activity for Brookside Primary School due 4 January 2027")
    message = next(m for m in smtp_server.messages if str(m["Subject"]).startswith("Overdue: support"))
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/schools/{school['id']}/support#activity-{reminded}" in text and "was due on 4 January 2027" in text


def test_a_moved_due_date_reminds_again_and_a_done_activity_cancels_its_reminder(app, school):
    activity_id = _bespoke(app, school["id"], "Pupil premium review", date(2027, 1, 13))
    with app.app_context():
        assert scan(today=date(2027, 1, 6))["queued"] == 1
        assert scan(today=date(2027, 1, 6))["queued"] == 0  # the same day again: nothing twice
        key = db.session.scalar(select(OutboxMessage.key))
        assert key == f"support:activity-{activity_id}:adviser@example.org:2027-01-13:5-days"
        activity = db.session.get(SupportActivity, activity_id)
        activity.due_on = date(2027, 1, 20)  # moved (a bespoke activity's date can change)
        db.session.commit()
        result = scan(today=date(2027, 1, 13))
        assert result["queued"] == 1 and result["cancelled"] == 1
        rules.record_use(db.session.get(SupportActivity, activity_id), days_used=Decimal("1"), done_on=date(2027, 1, 13),
                         today=date(2027, 1, 13))
        db.session.commit()
        assert scan(today=date(2027, 1, 13))["cancelled"] == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == MessageStatus.QUEUED)) == 0


def test_support_reminders_are_found_in_the_same_statements_for_any_number_of_schools(app, world, school):
    from portal.reminders.scan import _support_reminders, with_public_urls

    def statements():
        with app.app_context(), with_public_urls():
            counter, stop = count_queries(app)
            found = _support_reminders(date(2027, 1, 6), frozenset())
            stop()
            return counter["n"], len(found)

    _bespoke(app, school["id"], "Pupil premium review", date(2027, 1, 13))
    one = statements()
    for number in range(3):
        other = world.school(f"Another School {number}")
        world.user(f"adviser{number}@example.org", roles=[(other, Role.ADVISER)])
        _bespoke(app, other, "Pupil premium review", date(2027, 1, 13))
    many = statements()
    assert one[1] == 1 and many[1] == 4 and one[0] == many[0]


def test_the_profile_lists_the_support_reminder_for_advisers(client, sign_in, school):
    sign_in("adviser@example.org")
    assert "Support activity due" in text_of(client.get("/profile"))
    sign_in("head@example.org")
    assert "Support activity due" not in text_of(client.get("/profile"))


def _read(response):
    """What a person reads, without the space ``text_of`` leaves where a link ends before a comma or colon."""
    return text_of(response).replace(" ,", ",").replace(" :", ":")


# --- pages -------------------------------------------------------------------------------------------------------

def _applied(app, school_id, repeat=Repeat.HALF_TERMLY):
    with app.app_context():
        package = _package(school_id, repeat=repeat)
        db.session.commit()
        return package.id, _review(package).id


def test_recording_the_date_done_adds_the_next_occurrence_and_the_la_admin_stops_it(app, client, sign_in, school):
    package_id, review_id = _applied(app, school["id"])
    base = f"/schools/{school['id']}/support"
    sign_in("adviser@example.org")
    page = text_of(client.get(base))
    assert "half-termly: only the first occurrence is listed; the next is added when it is done" in page
    assert "Stop repeating" not in page
    form = client.get(f"{base}/{package_id}/activities/{review_id}/record")
    assert "entering the date done adds the next occurrence, due in the next half term" in text_of(form)
    done = client.post(f"{base}/{package_id}/activities/{review_id}/record",
                       data={"days_used": "2", "cost_spent": "1,500", "done_on": _date(date(2026, 9, 21))},
                       follow_redirects=True)
    page = text_of(done)
    assert "The next occurrence is due 23 November 2026" in page
    assert "half-termly: the next occurrence is listed" in page and "half-termly: occurrence 2" in page
    with app.app_context():
        second_id = db.session.scalar(select(func.max(SupportActivity.id)))
    stop_url = f"{base}/{package_id}/activities/{second_id}/stop-repeating"
    assert client.post(stop_url).status_code == 403  # the adviser records; only the LA admin stops

    sign_in("head@example.org")
    assert client.post(stop_url).status_code == 403
    assert "Stop repeating" not in text_of(client.get(base))
    sign_in("other.governor@example.org")
    assert client.post(stop_url).status_code == 404

    sign_in("admin@example.org")
    page = client.get(base)
    assert text_of(page).count("Stop repeating") == 1  # on the latest occurrence only
    assert client.get(stop_url).status_code == 405  # never a write on GET
    stopped = client.post(stop_url, follow_redirects=True)
    page = text_of(stopped)
    assert "Round-table review: repeating stopped. No further occurrence will be added." in page
    assert "half-termly until stopped on 25 November 2026" in page and "Stop repeating" not in page
    with app.app_context():
        assert db.session.get(SupportActivity, second_id).repeat == Repeat.NONE
    again = client.post(stop_url, follow_redirects=True)
    assert "does not repeat: there is nothing to stop" in text_of(again)


def test_a_visit_records_the_days_it_used_against_a_support_activity(app, client, sign_in, school):
    package_id, review_id = _applied(app, school["id"])  # the review has 3 days allocated
    visits = f"/schools/{school['id']}/visits"
    sign_in("adviser@example.org")
    form = client.get(f"{visits}/new")
    assert "Support activity this visit delivered" in _read(form)
    assert "Core package: Round-table review (due 21 September 2026)" in _read(form)
    typed = {"visited_on": _date(date(2026, 11, 2)), "kind": "support", "focus_priority_id": "0",
             "people_seen": "Headteacher", "support_activity_id": str(review_id), "support_days": "3.5"}
    over = client.post(f"{visits}/new", data=typed)
    html = over.get_data(as_text=True)
    assert over.status_code == 200 and "There is a problem" in _read(over)
    assert "Days used on Round-table review would be 3.5, more than the 3 allocated: tick the box to confirm" in _read(over)
    assert 'value="3.5"' in html and f'<option value="{review_id}" selected' in html and 'href="#confirm_over"' in html and 'id="confirm_over"' in html
    bad = client.post(f"{visits}/new", data={**typed, "support_days": "0.3"})
    assert "Days of your time used must be a number of days in half days" in _read(bad)
    assert 'value="0.3"' in bad.get_data(as_text=True)
    created = client.post(f"{visits}/new", data={**typed, "confirm_over": "y"})
    assert created.status_code == 302
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        visit_id = visit.id
        assert visit.support_days == Decimal("3.5") and db.session.get(SupportActivity, review_id).days_used == Decimal("3.5")
    shown = _read(client.get(f"{visits}/{visit_id}"))
    assert "Support activity delivered Core package: Round-table review, 3.5 days of the adviser's time" in shown
    package_page = _read(client.get(f"/schools/{school['id']}/support"))
    assert "Support visit on 2 November 2026: 3.5 days" in package_page and "Over allocation" in package_page

    changed = client.post(f"{visits}/{visit_id}/details", data={**typed, "support_days": "1"})
    assert changed.status_code == 302
    with app.app_context():
        assert db.session.get(SupportActivity, review_id).days_used == Decimal("1")
    record = _read(client.get(f"/schools/{school['id']}/support/{package_id}/activities/{review_id}/record"))
    assert "Days used include 1 day recorded on visits (support visit on 2 November 2026)" in record

    sign_in("head@example.org")  # reads the visit and the package; may not record a visit
    assert "Support visit on 2 November 2026: 1 day" in _read(client.get(f"/schools/{school['id']}/support"))
    assert client.get(f"{visits}/new").status_code == 403
    assert client.post(f"{visits}/new", data={**typed, "confirm_over": "y"}).status_code == 403
    assert client.post(f"{visits}/{visit_id}/details", data=typed).status_code == 403
    sign_in("governor@example.org")  # the notes are a draft: the governor sees the visit named, not linked
    page = client.get(f"/schools/{school['id']}/support").get_data(as_text=True)
    assert "Support visit on 2 November 2026" in page and f"/visits/{visit_id}\"" not in page
    sign_in("other.governor@example.org")
    assert client.get(f"{visits}/{visit_id}").status_code == 404


def test_the_la_admin_records_a_visit_without_support_and_a_school_without_a_package_is_not_asked(app, client, sign_in,
                                                                                                  school):
    visits = f"/schools/{school['id']}/visits"
    sign_in("admin@example.org")
    assert "Support activity this visit delivered" not in text_of(client.get(f"{visits}/new"))
    _applied(app, school["id"])
    created = client.post(f"{visits}/new", data={"visited_on": _date(date(2026, 11, 2)), "kind": "monitoring",
                                                 "focus_priority_id": "0", "support_activity_id": "0"})
    assert created.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Visit.support_activity_id)) is None
        assert db.session.scalar(select(func.sum(SupportActivity.days_used))) == 0


def test_the_support_page_reads_in_the_same_statements_however_many_packages_and_visits(app, client, sign_in, school):
    from portal.auth.models import User
    from portal.support.reviews import record_review

    def statements():
        return statements_behind(app, client, f"/schools/{school['id']}/support")

    def package_with_visits(days):
        with app.app_context():
            package = _package(school["id"])
            for day in days:
                visit_rules.record_visit(db.session.get(School, school["id"]), None, visited_on=day, kind=VisitKind.SUPPORT,
                                         support_activity=_review(package), support_days=Decimal("0.5"),
                                         today=date(2026, 11, 25))
            reviewer = db.session.scalar(select(User).where(User.is_la_admin.is_(True)))
            record_review(package, reviewer, impact="Reading improved", decision=ReviewDecision.MAINTAIN, reason="On track",
                          today=date(2026, 11, 25))
            db.session.commit()

    package_with_visits([date(2026, 9, 21)])
    sign_in("adviser@example.org")
    few = statements()
    package_with_visits([date(2026, 10, 5), date(2026, 10, 12), date(2026, 11, 2)])
    assert statements() == few
    assert text_of(client.get(f"/schools/{school['id']}/support")).count("Support visit on") == 4
