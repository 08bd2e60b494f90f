"""Exit from intervention, continued: pages that never write, the exit letter, and light-touch visits due each term."""

from datetime import date

import pytest
from sqlalchemy import event, func, select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.exit import light_touch, notify, rules
from portal.exit import letter as exit_letter
from portal.exit.models import Answer, ChecklistStatus, ExitAnswer, ExitChecklist, ExitCriterion
from portal.extensions import db
from portal.reminders.models import OutboxMessage
from portal.schools.models import LocalAuthority, Role, School, SchoolRole
from portal.visits.models import NotesStatus, Visit, VisitKind
from tests.conftest import count_queries, text_of
from tests.test_exit import _recommended, school  # noqa: F401 (a fixture)

TODAY = date(2026, 11, 25)  # the suite's pinned day: Wednesday of the autumn term's second half
# The LA's own dates for 2026 to 2027; 2027 to 2028 is not entered, so the typical year's dates are used.
YEAR_2026 = [(date(2026, 9, 2), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
             (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 4, 1)),
             (date(2027, 4, 19), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 16))]


class Writes:
    """Every INSERT, UPDATE or DELETE the app sends while it is listening."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements = []

    def _seen(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _counts():
    """Answers on checklists, and audit entries about exit records (signing in is audited too: not counted)."""
    return (db.session.scalar(select(func.count(ExitAnswer.id))),
            db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.record_type.like("exit%"))))


def _approved(school_data, *, terms=2, reason="Secure leadership and accurate self-evaluation"):
    """Brookside's checklist recommended and approved on the pinned day, the letter queued."""
    row, checklist, adviser, admin = _recommended(school_data)
    decision, entry = rules.approve(checklist, admin, reason=reason, terms=terms, today=TODAY)
    notify.exit_approved(checklist, decision, entry)
    db.session.commit()
    return row, checklist, decision


# --- no writes on GET -----------------------------------------------------------------------------------------------

def test_the_checklist_page_writes_nothing_yet_shows_new_criteria_to_answer(app, client, sign_in, school):
    with app.app_context():
        row = db.session.get(School, school["id"])
        checklist = rules.start_checklist(row, db.session.get(User, school["admin"]))
        db.session.commit()
        checklist_id = checklist.id
        criteria = rules.active_criteria()
        rules.save_criterion(criteria[0], title="Leadership is stable and secure", meaning="Two years in post")
        rules.retire_criterion(criteria[1])  # blank on the checklist: it leaves it once the checklist changes
        added = rules.save_criterion(None, title="Governors hold leaders to account", meaning="Minutes show challenge")
        db.session.commit()
        added_id, retired_title = added.id, criteria[1].title
        before = _counts()
    base = f"/schools/{school['id']}/exit"
    new_page = f"{base}/{checklist_id}/new-criteria/{added_id}"

    for email in ("adviser@example.org", "head@example.org", "admin@example.org"):
        sign_in(email)
        with Writes(app) as writes:
            page = client.get(f"{base}/{checklist_id}")
            listing = client.get(base)
        assert page.status_code == 200 and listing.status_code == 200
        assert writes.statements == [], email
        text = text_of(page)
        assert "Governors hold leaders to account" in text and "Leadership is stable and secure" in text
        assert retired_title not in text
        assert "0 of 5" in text_of(listing)  # four kept plus the new one
        assert (new_page in page.get_data(as_text=True)) == (email != "head@example.org")
    with Writes(app) as writes:
        assert client.get(new_page).status_code == 200
        assert client.get(f"{base}/{checklist_id}/recommend").status_code == 200
    assert writes.statements == []
    with app.app_context():
        assert _counts() == before

    sign_in("adviser@example.org")
    refused = client.post(new_page, data={"answer": "met", "note": ""})
    assert "link evidence or write a note" in text_of(refused)  # what was typed stays: "met" still chosen
    assert 'value="met" checked' in refused.get_data(as_text=True)
    with app.app_context():
        assert _counts() == before  # the refused answer rolled back the new row with it
    done = client.post(new_page, data={"answer": "met", "note": "Minutes of the autumn review show challenge"})
    assert done.status_code == 302
    with app.app_context():
        checklist = db.session.get(ExitChecklist, checklist_id)
        answered = next(a for a in checklist.answers if a.criterion_id == added_id)
        assert answered.answer == Answer.MET and answered.note.startswith("Minutes of the autumn review")
        assert done.headers["Location"].endswith(f"#answer-{answered.id}")
        titles = [a.title for a in checklist.answers]
        assert "Leadership is stable and secure" in titles and retired_title not in titles and len(titles) == 5
        audited = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "exit_answer",
                                                              AuditEvent.record_id == answered.id)).all()
        assert audited  # the new row and its answer, in the audit log
        answered_id = answered.id
    # The new criterion is on the checklist now: its page is the ordinary answer page.
    assert client.get(new_page).headers["Location"].endswith(f"/criteria/{answered_id}")


def test_answering_any_criterion_brings_in_the_new_ones_and_a_retired_one_is_refused(app, client, sign_in, school):
    with app.app_context():
        row = db.session.get(School, school["id"])
        checklist = rules.start_checklist(row, None)
        db.session.commit()
        checklist_id, first_id = checklist.id, checklist.answers[0].id
        added = rules.save_criterion(None, title="Attendance is above 95%")
        db.session.commit()
        added_id = added.id
    base = f"/schools/{school['id']}/exit/{checklist_id}"
    sign_in("adviser@example.org")
    client.post(f"{base}/criteria/{first_id}", data={"answer": "not_yet", "note": "Wait for the spring data"})
    with app.app_context():
        checklist = db.session.get(ExitChecklist, checklist_id)
        assert added_id in [a.criterion_id for a in checklist.answers]
        rules.retire_criterion(db.session.get(ExitCriterion, added_id))
        db.session.commit()
        blank_id = next(a.id for a in checklist.answers if a.criterion_id == added_id)
        never_asked = rules.save_criterion(None, title="Pupils' outcomes are rising")
        db.session.commit()
        rules.retire_criterion(never_asked)
        db.session.commit()
        never_asked_id = never_asked.id
    page = client.get(f"{base}/criteria/{blank_id}", follow_redirects=True)
    assert "retired this criterion" in text_of(page)
    refused = client.post(f"{base}/criteria/{blank_id}", data={"answer": "met", "note": "Seen"}, follow_redirects=True)
    assert "retired this criterion" in text_of(refused)
    assert client.get(f"{base}/new-criteria/{never_asked_id}").status_code == 404
    assert client.get(f"{base}/new-criteria/999999").status_code == 404


# --- the exit letter ------------------------------------------------------------------------------------------------

def test_approval_queues_the_letter_once_to_the_head_and_chair(ctx, school):
    row, checklist, decision = _approved(school)
    letters = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"exit-decided:exit-letter-{decision.id}:%"))
                                 .order_by(OutboxMessage.recipient_email)).all()
    assert [m.recipient_email for m in letters] == ["chair@example.org", "head@example.org"]
    body = letters[0].text_body
    for words in ("Brookside Primary School", "25 November 2026", "category 1: Steady", "moving from category 3: Concern",
                  "Secure leadership and accurate self-evaluation", "2 terms, until 21 July 2027",
                  "Sarah Lewis (headteacher) and Femi Adeyemi (chair of governors)"):
        assert words in body
    assert letters[0].attachment_name == exit_letter.LETTER_ATTACHMENT and letters[0].attachment == letters[1].attachment
    adviser = db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.recipient_email == "adviser@example.org",
                                                                 OutboxMessage.kind == "exit-decided")).all()
    assert adviser == [f"exit-decided:exit-decision-{decision.id}:adviser@example.org"]  # the notice, not the letter
    assert notify.exit_approved(checklist, decision, checklist.category_entry) == 0  # never twice
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.key.like(f"exit-decided:exit-letter-{decision.id}:%"))) == 2


def test_the_letter_says_what_was_sent_even_after_the_school_and_its_people_change(ctx, school):
    row, checklist, decision = _approved(school)
    sent, was_sent = exit_letter.exit_letter(checklist)
    assert was_sent and sent.dated == "25 November 2026"
    row.name = "Brookside Church of England Academy"
    db.session.scalar(select(User).where(User.email == "head@example.org")).name = "Someone Else"
    db.session.get(LocalAuthority, row.local_authority_id).name = "Renamed Borough"
    db.session.commit()
    again, _ = exit_letter.exit_letter(checklist)
    assert again == sent
    assert "Brookside Primary School" in again.subject and "Someone Else" not in " ".join(again.paragraphs)
    assert "Test Borough has approved" in again.paragraphs[1]


def test_the_letter_page_and_pdf_for_the_school_and_404_for_another(app, client, sign_in, school):
    with app.app_context():
        _, checklist, _ = _approved(school, reason="Leaders have secured good teaching in every class")
        checklist_id = checklist.id
        recommended = rules.start_checklist(db.session.get(School, school["id"]), None)
        db.session.commit()
        still_open = recommended.id
    base = f"/schools/{school['id']}/exit/{checklist_id}"
    for email in ("head@example.org", "governor@example.org", "adviser@example.org", "admin@example.org"):
        sign_in(email)
        assert f"{base}/letter" in client.get(base).get_data(as_text=True)
        page = client.get(f"{base}/letter")
        assert page.status_code == 200, email
        text = text_of(page)
        assert "Exit from intervention approved: Brookside Primary School" in text
        assert "Leaders have secured good teaching in every class" in text and "until 21 July 2027" in text
        assert "was not emailed" not in text
    sign_in("head@example.org")
    pdf = client.get(f"{base}/letter/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert client.get(f"/schools/{school['id']}/exit/{still_open}/letter").status_code == 404  # not approved
    sign_in("other.head@example.org")
    assert client.get(f"{base}/letter").status_code == 404
    assert client.get(f"{base}/letter/pdf").status_code == 404
    assert client.get(f"/schools/{school['other']}/exit/{checklist_id}/letter").status_code == 404


def test_without_a_head_or_chair_the_letter_is_there_to_print(app, client, sign_in, school):
    with app.app_context():
        for person in db.session.scalars(select(SchoolRole).where(SchoolRole.school_id == school["id"], SchoolRole.role.in_(
                [Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS]))):
            db.session.delete(person)
        db.session.commit()
        _, checklist, decision = _approved(school)
        checklist_id = checklist.id
        assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("exit-decided:exit-letter-%"))).all()
        told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_email == "adviser@example.org",
                                                             OutboxMessage.kind == "exit-decided"))
        assert "print the letter" in told.text_body
    sign_in("adviser@example.org")
    text = text_of(client.get(f"/schools/{school['id']}/exit/{checklist_id}/letter"))
    assert "was not emailed" in text and "To the headteacher and the chair of governors, Brookside Primary School" in text


# --- light-touch visits ---------------------------------------------------------------------------------------------

def _visit(school_id, on, kind=VisitKind.MONITORING):
    db.session.add(Visit(school_id=school_id, visited_on=on, kind=kind, status=NotesStatus.FINAL))


@pytest.fixture
def monitored(app, school):
    """Brookside's exit approved on 25 November 2026 with three terms of light touch: spring and summer 2027 (the
    LA's dates) and autumn 2027 (typical dates), visited in spring and in the Easter holiday."""
    from portal.terms.rules import save_term_dates

    with app.app_context():
        save_term_dates(None, 2026, YEAR_2026)
        _, checklist, _ = _approved(school, terms=3)
        _visit(school["id"], date(2026, 11, 30))  # the term it was approved in: not one of the light-touch terms
        _visit(school["id"], date(2027, 2, 10), VisitKind.SUPPORT)
        _visit(school["id"], date(2027, 2, 24))
        _visit(school["id"], date(2027, 4, 6))  # the Easter holiday: no term's visit
        db.session.commit()
        return {**school, "checklist": checklist.id}


def _schedule(checklist_id, today):
    checklist = db.session.get(ExitChecklist, checklist_id)
    return [(v.term.name, v.due_on, v.status, v.visited_on) for v in light_touch.light_touch_visits(checklist, today)]


def test_one_light_touch_visit_is_due_each_term_by_its_last_day(ctx, monitored):
    assert light_touch.terms_after(TODAY, 3)[0].starts_on == date(2027, 1, 5)
    assert _schedule(monitored["checklist"], date(2026, 12, 28)) == [
        ("Spring term 2027", date(2027, 4, 1), "not_yet", None),
        ("Summer term 2027", date(2027, 7, 16), "not_yet", None),
        ("Autumn term 2027", date(2027, 12, 17), "not_yet", None)]
    assert _schedule(monitored["checklist"], date(2027, 7, 19)) == [
        ("Spring term 2027", date(2027, 4, 1), "done", date(2027, 2, 10)),
        ("Summer term 2027", date(2027, 7, 16), "overdue", None),
        ("Autumn term 2027", date(2027, 12, 17), "not_yet", None)]
    _visit(monitored["id"], date(2027, 12, 16), VisitKind.VERIFICATION)
    db.session.commit()
    assert _schedule(monitored["checklist"], date(2027, 12, 10))[2][2] == "not_yet"  # the visit is not made yet
    assert _schedule(monitored["checklist"], date(2028, 1, 10))[2] == (
        "Autumn term 2027", date(2027, 12, 17), "done", date(2027, 12, 16))


def test_light_touch_visits_due_across_the_year_end(ctx, monitored):
    school_ids = [monitored["id"], monitored["other"]]

    def due(today):
        return [(item.checklist.school.name, item.visit.term.name, item.visit.overdue)
                for item in light_touch.light_touch_due(school_ids, today)]

    # 1 November 2027: autumn's visit is due 17 December, more than 20 working days away; summer's was missed.
    assert due(date(2027, 11, 1)) == [("Brookside Primary School", "Summer term 2027", True)]
    # 1 December: 17 December is within 20 working days.
    assert due(date(2027, 12, 1)) == [("Brookside Primary School", "Summer term 2027", True),
                                      ("Brookside Primary School", "Autumn term 2027", False)]
    # 10 January 2028: summer's missed visit has left the list (its next term is over); autumn's is overdue.
    assert due(date(2028, 1, 10)) == [("Brookside Primary School", "Autumn term 2027", True)]
    # Once the term after the last has ended, nothing is listed.
    assert due(date(2028, 4, 20)) == []
    assert light_touch.light_touch_due([monitored["other"]], date(2027, 12, 1)) == []


def test_the_checklist_and_the_advisers_home_show_light_touch_visits(client, sign_in, travel, monitored):
    travel("2027-12-01T10:00:00+00:00")
    sign_in("adviser@example.org")
    page = text_of(client.get(f"/schools/{monitored['id']}/exit/{monitored['checklist']}"))
    assert "Light-touch visits" in page
    assert "Spring term 2027 Due by 1 April 2027: done on 10 February 2027 (support visit)" in page
    assert "Summer term 2027 Due by 16 July 2027: Overdue" in page
    assert "Autumn term 2027 Due by 17 December 2027: not yet" in page
    home = text_of(client.get("/"))
    assert "Light-touch visits due" in home
    assert "16 July 2027 Overdue Light-touch visit, Summer term 2027 Brookside Primary School" in home
    assert "17 December 2027 Light-touch visit, Autumn term 2027 Brookside Primary School" in home
    sign_in("head@example.org")
    assert "Light-touch visits due" not in text_of(client.get("/"))


def test_the_home_page_finds_light_touch_visits_in_the_same_statements_for_any_number_of_schools(app, client, world,
                                                                                                 sign_in, travel):
    adviser = world.user("adviser@example.org")
    travel("2027-03-10T10:00:00+00:00")

    def statements_with(count, listed):
        for n in range(count):
            school_id = world.school(f"School {count}-{n}")
            with app.app_context():
                db.session.add(SchoolRole(user_id=adviser, school_id=school_id, role=Role.ADVISER))
                db.session.add(ExitChecklist(school_id=school_id, status=ChecklistStatus.APPROVED, closed_on=TODAY,
                                             light_touch_terms=2, light_touch_ends_on=date(2027, 7, 21)))
                if n % 2:
                    _visit(school_id, date(2027, 2, 1))
                db.session.commit()
        sign_in("adviser@example.org")
        counter, stop = count_queries(app)
        try:
            page = client.get("/")
        finally:
            stop()
        assert text_of(page).count("Light-touch visit, Spring term 2027") == listed  # the schools not visited yet
        return counter["n"]

    assert statements_with(2, listed=1) == statements_with(6, listed=4)
