"""Exit from intervention: the LA's exit criteria, a school's checklist, the adviser's recommendation, the LA's decision."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.categories import rules as category_rules
from portal.categories.models import ChangeKind
from portal.errors_domain import RuleBroken
from portal.exit import light_touch, notify, rules
from portal.exit.models import Answer, ChecklistStatus, ExitChecklist, ExitCriterion
from portal.extensions import db
from portal.reminders.models import OutboxMessage
from portal.schools.models import Role, School
from portal.visits.models import NotesStatus, Visit, VisitKind
from tests.categories_helpers import build_scheme, category
from tests.conftest import text_of

TODAY = date(2026, 11, 25)  # the suite's pinned day (tests/conftest.py)


def _people(world, school_id):
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("chair@example.org", "Femi Adeyemi", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)])
    world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    return world.user("admin@example.org", "Alex Morgan", is_la_admin=True)


def _in_concern(school, admin):
    """The scheme in use (Steady, Watch, Concern) with the school in Concern, which needs intervention."""
    version = build_scheme()
    category_rules.change_between_rounds(school, admin, category_id=category(version, "Concern").id,
                                         reason="Inadequate at inspection", effective_on=TODAY, today=TODAY)
    db.session.flush()
    return version


@pytest.fixture
def school(app, world):
    """Brookside in Concern, with its people and the ready-made exit criteria; Hillview with its own head."""
    school_id = world.school("Brookside Primary School")
    admin_id = _people(world, school_id)
    other_id = world.school("Hillview Academy")
    world.user("other.head@example.org", "Ola Nowak", roles=[(other_id, Role.HEADTEACHER)])
    with app.app_context():
        row, admin = db.session.get(School, school_id), db.session.get(User, admin_id)
        version = _in_concern(row, admin)
        rules.add_ready_made()
        visit = Visit(school_id=school_id, visited_on=date(2026, 11, 10), kind=VisitKind.MONITORING,
                      status=NotesStatus.FINAL)
        db.session.add(visit)
        db.session.commit()
        return {"id": school_id, "other": other_id, "admin": admin_id, "visit": visit.id,
                "steady": category(version, "Steady").id, "watch": category(version, "Watch").id,
                "concern": category(version, "Concern").id}


def _all_met(checklist, user, school):
    offered = [link for links in rules.evidence_choices(school).values() for link in links]
    for answer in checklist.answers:
        rules.answer_criterion(checklist, answer, user, value=Answer.MET, note="Seen at the review",
                               evidence=[offered[0].value], offered=offered)


def _recommended(school_data):
    school = db.session.get(School, school_data["id"])
    adviser = db.session.scalar(select(User).where(User.email == "adviser@example.org"))
    checklist = rules.start_checklist(school, adviser)
    _all_met(checklist, adviser, school)
    rules.recommend(checklist, adviser, category_id=school_data["steady"], reason="Every criterion is met")
    db.session.flush()
    return school, checklist, adviser, db.session.get(User, school_data["admin"])


# --- the LA's criteria ----------------------------------------------------------------------------------------------

def test_ready_made_criteria_load_once_and_retired_ones_stay_on_old_checklists(ctx, world):
    school = db.session.get(School, world.school())
    added = rules.add_ready_made()
    assert len(added) == 5 and added[0].title.startswith("Self-evaluation is accurate")
    with pytest.raises(RuleBroken, match="empty"):
        rules.add_ready_made()
    with pytest.raises(RuleBroken, match="already a criterion"):
        rules.save_criterion(None, title=added[1].title.upper())
    checklist = rules.start_checklist(school, None)
    first, second = checklist.answers[0], checklist.answers[1]
    first.answer = Answer.MET
    rules.retire_criterion(added[0])
    rules.retire_criterion(added[1])
    rules.save_criterion(added[2], title="Leadership is stable", meaning="In post for two years")
    extra = rules.save_criterion(None, title="Governors hold leaders to account")
    db.session.flush()
    rules.sync_criteria(checklist)
    titles = [answer.title for answer in checklist.answers]
    assert added[0].title in titles  # answered: stays though retired
    assert second.title not in titles  # blank and retired: gone
    assert "Leadership is stable" in titles and extra.title in titles
    assert extra.title not in [c.title for c in rules.all_criteria() if c.is_retired]
    with pytest.raises(RuleBroken, match="already has an exit checklist open"):
        rules.start_checklist(school, None)


# --- recommending ---------------------------------------------------------------------------------------------------

def test_recommending_needs_every_criterion_answered_and_a_category_needing_less_support(ctx, school):
    row = db.session.get(School, school["id"])
    adviser = db.session.scalar(select(User).where(User.email == "adviser@example.org"))
    checklist = rules.start_checklist(row, adviser)
    with pytest.raises(RuleBroken, match="Answer every criterion"):
        rules.recommend(checklist, adviser, category_id=school["steady"], reason="Ready")
    offered = [link for links in rules.evidence_choices(row).values() for link in links]
    assert [link.kind for link in offered] == ["visit"]
    with pytest.raises(RuleBroken, match="link evidence or write a note"):
        rules.answer_criterion(checklist, checklist.answers[0], adviser, value=Answer.MET, offered=offered)
    with pytest.raises(RuleBroken, match="Choose evidence"):
        rules.answer_criterion(checklist, checklist.answers[0], adviser, value=Answer.MET, evidence=["plan:999"],
                               offered=offered)
    _all_met(checklist, adviser, row)
    assert checklist.answers[0].evidence == [{"kind": "visit", "id": school["visit"]}]
    for more_or_same in (school["concern"],):
        with pytest.raises(RuleBroken, match="less support than 3: Concern") as refused:
            rules.recommend(checklist, adviser, category_id=more_or_same, reason="Ready")
        assert refused.value.field == "category_id"
    with pytest.raises(RuleBroken, match="Say why"):
        rules.recommend(checklist, adviser, category_id=school["watch"], reason=" ")
    assert [c.name for c in rules.exit_categories(row)] == ["Steady", "Watch"]
    rules.recommend(checklist, adviser, category_id=school["watch"], reason="Leaders are secure")
    assert checklist.status == ChecklistStatus.RECOMMENDED and checklist.recommended_category.name == "Watch"
    with pytest.raises(RuleBroken, match="not decided yet"):
        rules.answer_criterion(checklist, checklist.answers[0], adviser, value=Answer.NOT_YET, offered=offered)


def test_a_not_yet_answer_still_counts_as_answered_but_an_uncategorised_school_cannot_exit(ctx, world):
    school = db.session.get(School, world.school())
    rules.add_ready_made()
    build_scheme()
    checklist = rules.start_checklist(school, None)
    for answer in checklist.answers:
        rules.answer_criterion(checklist, answer, None, value=Answer.NOT_YET, offered=())
    with pytest.raises(RuleBroken, match="no category to exit from"):
        rules.recommend(checklist, None, category_id=1, reason="Ready")


# --- deciding -------------------------------------------------------------------------------------------------------

def test_approving_moves_the_category_between_rounds_and_starts_light_touch_monitoring(ctx, school):
    row, checklist, adviser, admin = _recommended(school)
    with pytest.raises(RuleBroken, match="Say why"):
        rules.approve(checklist, admin, reason="")
    with pytest.raises(RuleBroken, match="from 1 to 9 terms"):
        rules.approve(checklist, admin, reason="Secure", terms=0)
    decision, entry = rules.approve(checklist, admin, reason="Secure leadership and accurate self-evaluation")
    notify.exit_approved(checklist, decision, entry)
    db.session.commit()
    newest = category_rules.current_entry(row)
    assert newest.id == entry.id and newest.kind == ChangeKind.BETWEEN_ROUNDS and newest.category.name == "Steady"
    assert newest.previous_category.name == "Concern" and newest.reason.startswith("Exit from intervention approved")
    assert len(category_rules.history(row)) == 2
    assert checklist.status == ChecklistStatus.APPROVED and checklist.closed_on == TODAY
    # Approved in the autumn term: the two full terms after it are spring and summer (typical dates: none entered).
    assert (checklist.light_touch_terms, checklist.light_touch_ends_on) == (2, date(2027, 7, 21))
    assert checklist.category_entry_id == entry.id
    sent = {(m.kind, m.recipient_email) for m in db.session.scalars(select(OutboxMessage))}
    assert ("category-published", "head@example.org") in sent and ("category-published", "governor@example.org") in sent
    assert {("exit-decided", "adviser@example.org"), ("exit-decided", "head@example.org"),
            ("exit-decided", "chair@example.org")} <= sent
    with pytest.raises(RuleBroken, match="no recommendation"):
        rules.decline(checklist, admin, reason="Too late")
    assert rules.open_checklist(row) is None
    assert rules.start_checklist(row, adviser).status == ChecklistStatus.OPEN  # a new one may start


def test_approving_sends_the_letter_when_the_scheme_says_so(ctx, world):
    """A scheme whose less-support category still needs intervention letters: the move from outside it sends one."""
    school = db.session.get(School, world.school())
    world.user("head@example.org", "Sarah Lewis", roles=[(school.id, Role.HEADTEACHER)])
    admin = db.session.get(User, world.user("admin@example.org", is_la_admin=True))
    version = build_scheme(categories=[("1", "Monitored", "yellow", True), ("2", "Special", "red", False)])
    category_rules.change_between_rounds(school, admin, category_id=category(version, "Special").id, reason="Inspection",
                                         effective_on=TODAY, today=TODAY)
    rules.add_ready_made()
    checklist = rules.start_checklist(school, admin)
    for answer in checklist.answers:
        rules.answer_criterion(checklist, answer, admin, value=Answer.MET, note="Seen", offered=())
    rules.recommend(checklist, admin, category_id=category(version, "Monitored").id, reason="Ready")
    decision, entry = rules.approve(checklist, admin, reason="Ready", terms=4)
    notify.exit_approved(checklist, decision, entry)
    db.session.commit()
    assert entry.letter_sent and checklist.light_touch_ends_on == date(2028, 4, 13)
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "category-letter")) is not None


def test_declining_keeps_the_reason_and_opens_the_checklist_again(ctx, school):
    row, checklist, adviser, admin = _recommended(school)
    with pytest.raises(RuleBroken, match="what more is needed"):
        rules.decline(checklist, admin, reason="")
    decision = rules.decline(checklist, admin, reason="Wait for the summer results")
    notify.exit_declined(checklist, decision)
    db.session.commit()
    assert checklist.status == ChecklistStatus.OPEN and rules.open_checklist(row).id == checklist.id
    assert checklist.latest_decision.reason == "Wait for the summer results"
    assert category_rules.current_entry(row).category.name == "Concern"
    told = db.session.scalars(select(OutboxMessage.recipient_email).where(OutboxMessage.kind == "exit-decided")).all()
    assert told == ["adviser@example.org"]
    rules.answer_criterion(checklist, checklist.answers[0], adviser, value=Answer.NOT_YET, offered=())  # more work
    assert checklist.answers[0].answer == Answer.NOT_YET


def test_light_touch_counts_full_terms_after_the_one_approved_in(ctx):
    assert light_touch.light_touch_ends_on(date(2026, 11, 25), 1) == date(2027, 3, 25)
    assert light_touch.light_touch_ends_on(date(2026, 12, 28), 1) == date(2027, 3, 25)  # in the holiday: spring is next
    assert light_touch.light_touch_ends_on(date(2026, 11, 25), 3) == date(2027, 12, 17)
    assert light_touch.light_touch_ends_on(date(2026, 11, 25), 4) == date(2028, 4, 13)  # the Thursday before Good Friday


# --- pages ----------------------------------------------------------------------------------------------------------

def test_the_la_admin_keeps_the_list_of_criteria(client, sign_in, app, world):
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    page = client.get("/exit-criteria")
    assert page.status_code == 200 and "Add the ready-made criteria" in text_of(page)
    client.post("/exit-criteria/ready-made")
    assert "A credible improvement plan is in place and monitored" in text_of(client.get("/exit-criteria"))
    assert client.get("/exit-criteria/new").status_code == 200
    refused = client.post("/exit-criteria/new", data={"title": "", "meaning": ""})
    assert "Enter the criterion" in text_of(refused)
    client.post("/exit-criteria/new", data={"title": "Attendance is above the national average", "meaning": "Three terms"})
    with app.app_context():
        criterion = db.session.scalar(select(ExitCriterion).where(ExitCriterion.title.like("Attendance%")))
        criterion_id = criterion.id
    assert client.get(f"/exit-criteria/{criterion_id}").status_code == 200
    client.post(f"/exit-criteria/{criterion_id}", data={"title": "Attendance is good", "meaning": ""})
    client.post(f"/exit-criteria/{criterion_id}/retire")
    with app.app_context():
        criterion = db.session.get(ExitCriterion, criterion_id)
        assert criterion.title == "Attendance is good" and criterion.is_retired
    assert "Retired" in text_of(client.get("/exit-criteria"))
    assert client.get("/exit-criteria/999999").status_code == 404


def test_the_adviser_fills_the_checklist_and_recommends_and_the_la_admin_approves(client, sign_in, app, school):
    base = f"/schools/{school['id']}/exit"
    sign_in("adviser@example.org")
    assert "Start an exit checklist" in text_of(client.get(base))
    assert client.get("/exit-criteria").status_code == 403
    client.post(f"{base}/start")
    with app.app_context():
        checklist = db.session.scalar(select(ExitChecklist))
        checklist_id, answer_ids = checklist.id, [a.id for a in checklist.answers]
    page = client.get(f"{base}/{checklist_id}")
    assert page.status_code == 200 and "Recommend exit" in text_of(page)
    form = client.get(f"{base}/{checklist_id}/criteria/{answer_ids[0]}")
    assert form.status_code == 200 and "Monitoring visit on 10 November 2026" in text_of(form)
    refused = client.post(f"{base}/{checklist_id}/criteria/{answer_ids[0]}", data={"note": "x"})
    assert "Choose met or not yet" in text_of(refused)
    for answer_id in answer_ids:
        client.post(f"{base}/{checklist_id}/criteria/{answer_id}",
                    data={"answer": "met", "note": "Seen", "evidence": [f"visit:{school['visit']}"]})
    page = text_of(client.get(f"{base}/{checklist_id}"))
    assert page.count("Monitoring visit on 10 November 2026") == 5
    assert client.get(f"{base}/{checklist_id}/recommend").status_code == 200
    refused = client.post(f"{base}/{checklist_id}/recommend", data={"category_id": str(school["concern"]), "reason": "Ready"})
    assert "Not a valid choice" in text_of(refused) or "less support" in text_of(refused)
    client.post(f"{base}/{checklist_id}/recommend", data={"category_id": str(school["steady"]), "reason": "All met"})
    assert client.get(f"{base}/{checklist_id}/decision").status_code == 403

    sign_in("admin@example.org")
    assert "Approve or decline exit" in text_of(client.get(f"{base}/{checklist_id}"))
    assert client.get(f"{base}/{checklist_id}/decision").status_code == 200
    refused = client.post(f"{base}/{checklist_id}/decision", data={"outcome": "approve", "reason": ""})
    assert "Give the reasons" in text_of(refused)
    done = client.post(f"{base}/{checklist_id}/decision", data={"outcome": "approve", "reason": "Secure", "terms": "3"},
                       follow_redirects=True)
    assert "Exit approved" in text_of(done) and "until 17 December 2027" in text_of(done)
    with app.app_context():
        assert db.session.get(ExitChecklist, checklist_id).status == ChecklistStatus.APPROVED
    assert "Light-touch monitoring until 17 December 2027" in text_of(client.get(base))


def test_declining_through_the_page_shows_the_reason_to_the_adviser(client, sign_in, app, school):
    with app.app_context():
        _, checklist, _, _ = _recommended(school)
        db.session.commit()
        checklist_id = checklist.id
    base = f"/schools/{school['id']}/exit/{checklist_id}"
    sign_in("admin@example.org")
    client.post(f"{base}/decision", data={"outcome": "decline", "reason": "Wait for the summer results"})
    sign_in("adviser@example.org")
    page = text_of(client.get(base))
    assert "Exit declined" in page and "Wait for the summer results" in page and "Recommend exit" in page


def test_leaders_and_governors_read_the_checklist_and_other_schools_get_404(client, sign_in, app, school):
    with app.app_context():
        _, checklist, _, _ = _recommended(school)
        db.session.commit()
        checklist_id, answer_id = checklist.id, checklist.answers[0].id
    base = f"/schools/{school['id']}/exit"
    for email in ("head@example.org", "governor@example.org"):
        sign_in(email)
        assert "Start an exit checklist" not in text_of(client.get(base))
        page = client.get(f"{base}/{checklist_id}")
        assert page.status_code == 200
        assert "Exit has been recommended: the local authority approves or declines it" in text_of(page)
        assert f"/criteria/{answer_id}" not in page.get_data(as_text=True)
        assert client.get(f"{base}/{checklist_id}/criteria/{answer_id}").status_code == 403
        assert client.get(f"{base}/{checklist_id}/recommend").status_code == 403
        assert client.get(f"{base}/{checklist_id}/decision").status_code == 403
        assert client.post(f"{base}/start").status_code == 403
    sign_in("other.head@example.org")
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{checklist_id}").status_code == 404
    assert client.get(f"/schools/{school['other']}/exit/{checklist_id}").status_code == 404


def test_light_touch_uses_the_las_own_term_dates_where_entered(ctx):
    from portal.terms.rules import save_term_dates

    dates = [(date(2026, 9, 2), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
             (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 4, 1)),
             (date(2027, 4, 19), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 16))]
    save_term_dates(None, 2026, dates)
    db.session.flush()
    assert light_touch.light_touch_ends_on(date(2026, 11, 25), 1) == date(2027, 4, 1)
    assert light_touch.light_touch_ends_on(date(2026, 11, 25), 2) == date(2027, 7, 16)
    assert light_touch.light_touch_ends_on(date(2026, 11, 25), 3) == date(2027, 12, 17)  # 2027 to 2028 not entered: typical


def test_recommending_and_approving_exit_show_on_the_timeline(ctx, school):
    from portal.schools.timeline import timeline

    row, checklist, adviser, admin = _recommended(school)
    rules.approve(checklist, admin, reason="Secure leadership")
    db.session.commit()
    titles = [(event.kind, event.title) for event in timeline(row, admin, kinds=["exit"])]
    assert titles == [("exit", "Exit from support approved"), ("exit", "Exit from support recommended")]
