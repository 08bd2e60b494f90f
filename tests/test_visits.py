"""Adviser visits: notes of visit, deadlines in working days, the school's accuracy check, corrections and versions."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.errors_domain import RuleBroken
from portal.evidence.models import Verification
from portal.extensions import db
from portal import clock
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.reminders.models import OutboxMessage
from portal.schools.models import Role, School
from portal.terms.rules import add_closure_day, save_deadline_settings, save_term_dates
from portal.visits import rules
from portal.visits.guard import NotesLocked
from portal.visits.models import (CorrectionOutcome, FinalReason, NotesStatus, NotesVersion, Verdict, Visit, VisitKind)
from portal.visits.rules import NextStep
from tests.conftest import text_of
from tests.test_meetings import YEAR

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def school(app, world):
    """Brookside: head, senior leader, governor, adviser; a plan with a priority, an action and a criterion."""
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("deputy@example.org", "Tom Baker", roles=[(school_id, Role.SENIOR_LEADER)])
    world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)])
    adviser = world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    other_id = world.school("Hillview Academy")
    world.user("other.adviser@example.org", "Ola Nowak", roles=[(other_id, Role.ADVISER)])
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        row = db.session.get(School, school_id)
        plan = plan_rules.create_plan(row, None, kind=PlanKind.RAP, title="RAP 2026 to 2027", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Improve reading in key stage 2", description="")
        plan_rules.save_criterion(priority, None, description="85% of year 6 reach the expected standard", milestones={})
        db.session.commit()
        return {"id": school_id, "other": other_id, "plan": plan.id, "priority": priority.id,
                "criterion": priority.success_criteria[0].id, "adviser": adviser}


def _visit(app, school, *, visited_on=None, notes=True, issue=False, today=None):
    """A monitoring visit looking at the priority, with notes written (and issued)."""
    from portal.auth.models import User

    with app.app_context():
        row = db.session.get(School, school["id"])
        adviser = db.session.get(User, school["adviser"])
        visit = rules.record_visit(row, adviser, visited_on=visited_on or clock.today(), kind=VisitKind.MONITORING,
                                   people_seen="Headteacher, English lead", looked_at=[f"p{school['priority']}"],
                                   today=today)
        db.session.flush()
        if notes:
            rules.save_notes(visit, summary="Reading is improving.", sections={f"p{school['priority']}": {
                "seen": "Guided reading in years 5 and 6.", "strengths": "Pupils talk about books with enthusiasm.",
                "next_steps": [NextStep("Share the reading tracker with governors", "English lead", date(2026, 12, 11))]}})
        if issue:
            rules.issue(visit, adviser, today=today)
        db.session.commit()
        return visit.id


# --- deadlines ----------------------------------------------------------------------------

def test_notes_for_a_visit_on_the_friday_before_a_bank_holiday_monday_are_due_the_next_monday_week(ctx):
    visit = Visit(visited_on=date(2026, 5, 22), kind=VisitKind.MONITORING)  # Spring bank holiday: Monday 25 May 2026
    assert rules.notes_due_on(visit) == date(2026, 6, 1)  # Tue, Wed, Thu, Fri, then Monday 1 June
    assert rules.response_due_from(date(2026, 5, 22)) == date(2026, 6, 1)


def test_notes_deadline_skips_closure_days_and_follows_the_la_setting(ctx):
    visit = Visit(visited_on=date(2026, 11, 6), kind=VisitKind.SUPPORT)  # a Friday
    assert rules.notes_due_on(visit) == date(2026, 11, 13)
    add_closure_day(date(2026, 11, 10), "Training day")
    save_deadline_settings(agenda_days=10, evidence_days=5, minutes_days=10, notes_days=3, notes_response_days=4)
    db.session.commit()
    assert rules.notes_due_on(visit) == date(2026, 11, 12)  # Mon 9, (Tue 10 closed), Wed 11, Thu 12
    assert rules.response_due_from(date(2026, 11, 6)) == date(2026, 11, 13)


def test_unanswered_notes_become_final_the_working_day_after_the_response_date(app, school):
    friday = date(2026, 5, 22)
    visit_id = _visit(app, school, visited_on=date(2026, 5, 21), issue=True, today=friday)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.response_due_on == date(2026, 6, 1)
        assert not rules.finalise_if_unanswered(visit, date(2026, 6, 1))  # the last day to answer
        assert rules.finalise_unanswered(date(2026, 6, 2)) == 1
        db.session.commit()
        assert visit.status == NotesStatus.FINAL and visit.final_reason == FinalReason.NO_RESPONSE
        assert "did not answer the accuracy check by 1 June 2026" in rules.final_statement(visit)
        with pytest.raises(RuleBroken):
            rules.respond(visit, None, verdict=Verdict.ACCURATE, corrections={}, today=date(2026, 6, 2))


# --- the states -------------------------------------------------------------------------------

def test_a_visit_cannot_be_recorded_before_it_happens_and_a_focus_visit_names_a_priority(app, school):
    with app.app_context():
        row = db.session.get(School, school["id"])
        today = clock.today()
        with pytest.raises(RuleBroken, match="today or in the past"):
            rules.record_visit(row, None, visited_on=today + timedelta(days=1), kind=VisitKind.MONITORING, today=today)
        with pytest.raises(RuleBroken, match="priority this focus visit is on"):
            rules.record_visit(row, None, visited_on=today, kind=VisitKind.FOCUS, today=today)
        with pytest.raises(RuleBroken, match="from the school's plan"):
            rules.record_visit(row, None, visited_on=today, kind=VisitKind.MONITORING, looked_at=["p999999"], today=today)


def test_empty_notes_cannot_be_issued(app, school):
    visit_id = _visit(app, school, notes=False)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        with pytest.raises(RuleBroken, match="Write the notes before issuing"):
            rules.issue(visit, None)


def _legend_of(html, field_name):
    """The legend of the fieldset holding the inputs named ``field_name``."""
    import html5lib

    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for fieldset in tree.iter("fieldset"):
        if any(element.get("name") == field_name for element in fieldset.iter("input")):
            legend = fieldset.find("legend")
            return " ".join("".join(legend.itertext()).split()) if legend is not None else None
    raise AssertionError(f"no fieldset holds {field_name}")


def test_issuing_asks_for_confirmation_and_says_what_will_happen(app, client, sign_in, school):
    visit_id = _visit(app, school)
    base = f"/schools/{school['id']}/visits/{visit_id}"
    sign_in("adviser@example.org")
    visit_page = client.get(base).get_data(as_text=True)
    assert f'href="{base}/issue"' in visit_page  # a link to the confirmation step, not a button that issues at once
    saved = client.post(f"{base}/notes", data={"summary": "Reading is improving.", "then": "issue"})
    assert saved.headers["Location"] == f"{base}/issue"  # "Save and go to issue" goes to the confirmation step
    page = client.get(f"{base}/issue")
    confirm = text_of(page)
    assert page.status_code == 200
    assert "fixed as version 1" in confirm and "a correction you accept later becomes a new version" in confirm
    assert "Sarah Lewis is emailed" in confirm
    assert "the school has until 2 December 2026 (5 working days)" in confirm  # Wednesday 25 November + 5 working days
    assert "You cannot undo this" in confirm and "Reading is improving." in confirm  # the notes as they will be issued
    with app.app_context():
        assert db.session.get(Visit, visit_id).status == NotesStatus.DRAFT  # looking at the page issues nothing
    issued = client.post(f"{base}/issue")
    assert issued.status_code == 302 and issued.headers["Location"] == base
    assert "Notes issued to Sarah Lewis" in text_of(client.get(base))
    again = client.get(f"{base}/issue")
    assert again.status_code == 302 and "These notes have already been issued" in text_of(client.get(again.headers["Location"]))


def test_empty_notes_are_not_issued_and_the_error_links_to_the_notes(app, client, sign_in, school):
    visit_id = _visit(app, school, notes=False)
    base = f"/schools/{school['id']}/visits/{visit_id}"
    sign_in("adviser@example.org")
    refused = client.post(f"{base}/issue")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "There is a problem" in text_of(refused)
    assert "Write the notes before issuing them" in text_of(refused) and f'href="{base}/notes#summary"' in html
    with app.app_context():
        assert db.session.get(Visit, visit_id).status == NotesStatus.DRAFT


def test_the_accuracy_question_is_the_legend_of_its_radios(app, client, sign_in, school):
    visit_id = _visit(app, school, issue=True)
    sign_in("head@example.org")
    page = client.get(f"/schools/{school['id']}/visits/{visit_id}/accuracy").get_data(as_text=True)
    assert _legend_of(page, "verdict") == "Are these notes factually accurate?"
    sign_in("adviser@example.org")
    details = client.get(f"/schools/{school['id']}/visits/{_visit(app, school)}/details").get_data(as_text=True)
    assert _legend_of(details, "kind") == "Type of visit"
    assert _legend_of(details, "looked_at") == "Which priorities and success criteria did the visit look at?"


def test_accurate_answer_makes_the_notes_final(app, school):
    visit_id = _visit(app, school, issue=True)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        rules.respond(visit, None, verdict=Verdict.ACCURATE, corrections={})
        db.session.commit()
        assert visit.status == NotesStatus.FINAL and visit.final_reason == FinalReason.ACCURATE
        assert [v.number for v in visit.versions] == [1]


def test_inaccurate_needs_a_correction_and_accepted_corrections_make_a_new_version(app, school):
    visit_id = _visit(app, school, issue=True)
    key = f"p{school['priority']}"
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        with pytest.raises(RuleBroken, match="at least one passage"):
            rules.respond(visit, None, verdict=Verdict.INACCURATE, corrections={"summary": "  "})
        response = rules.respond(visit, None, verdict=Verdict.INACCURATE, corrections={
            f"{key}.seen": "Guided reading in years 4, 5 and 6.", f"{key}.step1": "Share the tracker with the full governing body"})
        db.session.commit()
        assert visit.status == NotesStatus.CORRECTIONS and len(response.corrections) == 2
        seen, step = response.corrections
        assert seen.original_text == "Guided reading in years 5 and 6."
        with pytest.raises(RuleBroken, match="say why the text is kept"):
            rules.consider_corrections(visit, None, decisions={seen.id: (CorrectionOutcome.ACCEPTED, ""),
                                                              step.id: (CorrectionOutcome.KEPT, "")})
        new = rules.consider_corrections(visit, None, decisions={
            seen.id: (CorrectionOutcome.ACCEPTED, ""), step.id: (CorrectionOutcome.KEPT, "Governors asked for it first.")})
        db.session.commit()
        assert visit.status == NotesStatus.FINAL and visit.final_reason == FinalReason.CORRECTIONS_CONSIDERED
        first, second = visit.versions
        assert (first.number, second.number) == (1, 2) and new is second
        assert first.content["sections"][0]["seen"] == "Guided reading in years 5 and 6."
        assert second.content["sections"][0]["seen"] == "Guided reading in years 4, 5 and 6."
        assert second.content["sections"][0]["next_steps"][0]["description"] == "Share the reading tracker with governors"
        assert "what was seen" in second.reason


def test_an_issued_version_never_changes_in_place(app, school):
    visit_id = _visit(app, school, issue=True)
    with app.app_context():
        version = db.session.scalar(select(NotesVersion).where(NotesVersion.visit_id == visit_id))
        version.reason = "Quietly edited"
        with pytest.raises(NotesLocked):
            db.session.commit()
        db.session.rollback()
        version = db.session.scalar(select(NotesVersion).where(NotesVersion.visit_id == visit_id))
        db.session.delete(version)
        with pytest.raises(NotesLocked):
            db.session.flush()
        db.session.rollback()
        visit = db.session.get(Visit, visit_id)
        with pytest.raises(RuleBroken, match="have been issued"):
            rules.save_notes(visit, summary="Changed", sections={})


# --- through the pages ------------------------------------------------------------------------

def test_adviser_records_writes_and_issues_notes_and_the_head_is_emailed(app, client, sign_in, school):
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/visits"
    form = client.get(f"{base}/new")
    assert form.status_code == 200 and "Improve reading in key stage 2" in text_of(form)
    refused = client.post(f"{base}/new", data={"people_seen": "Headteacher and English lead", "kind": "focus",
                                               "focus_priority_id": "0"})
    page = text_of(refused)
    assert refused.status_code == 200 and "There is a problem" in page and "Enter the date of the visit" in page
    assert "Headteacher and English lead" in page
    today = clock.today()
    created = client.post(f"{base}/new", data={
        "visited_on": [str(today.day), str(today.month), str(today.year)], "kind": "focus",
        "focus_priority_id": str(school["priority"]), "people_seen": "Headteacher and English lead",
        "looked_at": [f"p{school['priority']}", f"c{school['criterion']}"]})
    assert created.status_code == 302, text_of(created)
    notes_url = created.headers["Location"]
    visit_id = int(notes_url.rstrip("/").split("/")[-2])
    key = f"p{school['priority']}"
    bad_date = client.post(notes_url, data={"summary": "A good visit.", f"seen_{key}": "Year 6 reading lessons.",
                                            f"step_{key}_1_description": "Re-test year 6", f"step_{key}_1_due": ["31", "2", "2027"]})
    page = text_of(bad_date)
    assert "Next step 1: the date must be a real date" in page and "Year 6 reading lessons." in page
    assert 'value="Re-test year 6"' in bad_date.get_data(as_text=True)
    saved = client.post(notes_url, data={"summary": "A good visit.", f"seen_{key}": "Year 6 reading lessons.",
                                         f"strengths_{key}": "Strong phonics.", f"step_{key}_1_description": "Re-test year 6",
                                         f"step_{key}_1_owner": "Year 6 lead", f"step_{key}_1_due": ["5", "2", "2027"]})
    assert saved.status_code == 302
    again = text_of(client.get(notes_url))
    assert "Next step 2" in again  # a blank row to add another
    shown = text_of(client.get(f"{base}/{visit_id}"))
    assert "Draft notes" in shown and "Re-test year 6" in shown and "5 February 2027" in shown
    confirm = text_of(client.get(f"{base}/{visit_id}/issue"))  # issuing cannot be undone: a page says what happens first
    assert "Issue the notes of visit" in confirm and "Sarah Lewis is emailed" in confirm
    issued = client.post(f"{base}/{visit_id}/issue")
    assert issued.status_code == 302
    flash = text_of(client.get(issued.headers["Location"]))
    assert "Notes issued to Sarah Lewis" in flash and "Awaiting the school's accuracy check" in flash
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "notes-issued"))
        assert message.recipient_email == "head@example.org" and "Notes of visit to check" in message.subject
        assert f"/visits/{visit_id}/accuracy" in message.text_body
        visit = db.session.get(Visit, visit_id)
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type.in_(["visit", "notes_version"]))))
        assert {"visit.created", "visit.updated", "notes_version.created"} <= actions
    assert visit.status == NotesStatus.ISSUED
    assert client.post(notes_url, data={"summary": "Changed after issue"}).status_code == 302
    with app.app_context():
        assert db.session.get(Visit, visit_id).latest_version.content["summary"] == "A good visit."


def test_head_marks_a_passage_inaccurate_and_the_adviser_accepts_it(app, client, sign_in, school):
    visit_id = _visit(app, school, issue=True)
    key = f"p{school['priority']}"
    base = f"/schools/{school['id']}/visits/{visit_id}"
    sign_in("head@example.org")
    home = text_of(client.get("/"))
    assert "Check the notes of visit for accuracy" in home
    form = client.get(f"{base}/accuracy")
    assert form.status_code == 200 and "Guided reading in years 5 and 6." in text_of(form)
    empty = client.post(f"{base}/accuracy", data={"verdict": "inaccurate", "comment": "See below"})
    assert "Write a correction for at least one passage" in text_of(empty) and "See below" in text_of(empty)
    sent = client.post(f"{base}/accuracy", data={"verdict": "inaccurate", f"correction_{key}_seen": "Years 4, 5 and 6."})
    assert sent.status_code == 302
    assert "Your corrections have gone to the adviser" in text_of(client.get(sent.headers["Location"]))
    sign_in("adviser@example.org")
    assert "Corrections to consider" in text_of(client.get("/"))
    page = client.get(f"{base}/corrections")
    assert "Years 4, 5 and 6." in text_of(page)
    with app.app_context():
        correction_id = db.session.get(Visit, visit_id).latest_response.corrections[0].id
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "notes-answered")).recipient_email == \
            "adviser@example.org"
    missing = client.post(f"{base}/corrections", data={f"reply_{correction_id}": "Thinking"})
    assert "accept the correction or keep the text" in text_of(missing) and "Thinking" in text_of(missing)
    done = client.post(f"{base}/corrections", data={f"outcome_{correction_id}": "accepted"})
    assert done.status_code == 302
    final = text_of(client.get(f"{base}"))
    assert "The adviser considered the school's corrections" in final and "Years 4, 5 and 6." in final
    assert "Version 2" in final and "Correction accepted" in final
    first = text_of(client.get(f"{base}/versions/1"))
    assert "Guided reading in years 5 and 6." in first and "A later version replaces it" in first
    printed = client.get(f"{base}/print")
    assert printed.status_code == 200 and "Years 4, 5 and 6." in text_of(printed) and "Inaccurate" in text_of(printed)
    sign_in("governor@example.org")
    assert "Years 4, 5 and 6." in text_of(client.get(f"{base}"))


def test_who_may_see_and_do_what(app, client, sign_in, school):
    visit_id = _visit(app, school, issue=True)
    base = f"/schools/{school['id']}/visits/{visit_id}"
    sign_in("governor@example.org")
    assert client.get(base).status_code == 404  # governors read final notes only
    assert client.get(f"{base}/print").status_code == 404
    assert "No final notes of visit yet" in text_of(client.get(f"/schools/{school['id']}/visits"))
    assert client.post(f"{base}/accuracy", data={"verdict": "accurate"}).status_code == 403
    sign_in("head@example.org")
    assert client.get(f"{base}/notes").status_code == 403
    assert client.post(f"{base}/issue").status_code == 403
    assert client.post(f"/schools/{school['id']}/visits/new", data={}).status_code == 403
    sign_in("deputy@example.org")
    assert client.post(f"{base}/accuracy", data={"verdict": "accurate"}).status_code == 302  # senior leaders may answer
    sign_in("other.adviser@example.org")
    assert client.get(base).status_code == 404
    assert client.get(f"/schools/{school['other']}/visits/{visit_id}").status_code == 404  # not under another school
    sign_in("governor@example.org")
    page = client.get(base)
    assert page.status_code == 200 and "Confirmed accurate by Tom Baker" in text_of(page)


def test_the_school_sees_a_draft_visit_but_not_its_draft_notes(app, client, sign_in, school):
    visit_id = _visit(app, school)
    sign_in("head@example.org")
    page = text_of(client.get(f"/schools/{school['id']}/visits/{visit_id}"))
    assert "The adviser is writing the notes" in page and "Guided reading" not in page
    assert client.get(f"/schools/{school['id']}/visits/{visit_id}/print").status_code == 404
    sign_in("adviser@example.org")
    assert "Notes of visit due" in text_of(client.get("/"))


def test_viewing_lapsed_notes_makes_them_final_and_says_so(app, client, sign_in, school):
    visit_id = _visit(app, school, issue=True)
    with app.app_context():
        db.session.get(Visit, visit_id).response_due_on = clock.today() - timedelta(days=1)
        db.session.commit()
    sign_in("governor@example.org")  # lapsed notes are final, so governors may read them
    page = text_of(client.get(f"/schools/{school['id']}/visits/{visit_id}"))
    assert "did not answer the accuracy check" in page
    sign_in("head@example.org")
    assert client.get(f"/schools/{school['id']}/visits/{visit_id}/accuracy").status_code == 302


def test_attachments_follow_the_evidence_file_rules(app, client, sign_in, school):
    visit_id = _visit(app, school)
    base = f"/schools/{school['id']}/visits/{visit_id}"
    sign_in("adviser@example.org")
    refused = client.post(f"{base}/files", data={"files": [(io.BytesIO(b"MZ\x90\x00 not really"), "tool.exe")]},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "There is a problem" in text_of(refused)
    added = client.post(f"{base}/files", data={"files": [(io.BytesIO(PDF), "observation.pdf")]}, content_type="multipart/form-data")
    assert added.status_code == 302
    with app.app_context():
        stored = db.session.get(Visit, visit_id).attachments[0]
    assert client.get(f"{base}/files/{stored.id}").data == PDF
    wrong = client.post(f"{base}/files", data={"files": [(io.BytesIO(PDF), "wrong school.pdf")]}, content_type="multipart/form-data")
    assert wrong.status_code == 302
    with app.app_context():
        mistake = next(f for f in db.session.get(Visit, visit_id).attachments if f.display_name == "wrong school.pdf")
    removed = client.post(f"{base}/files/{mistake.id}/remove")
    assert removed.status_code == 302 and "wrong school.pdf removed" in text_of(client.get(removed.headers["Location"]))
    with app.app_context():
        from portal.evidence.storage import storage_for

        assert not storage_for(app.config).exists(mistake.storage_key)
        assert [f.display_name for f in db.session.get(Visit, visit_id).attachments] == ["observation.pdf"]
    assert client.post(f"{base}/files/{mistake.id}/remove").status_code == 404
    sign_in("head@example.org")
    assert client.post(f"{base}/files/{stored.id}/remove").status_code == 403
    assert client.get(f"{base}/files/{stored.id}").status_code == 404  # draft: the adviser's until issued
    with app.app_context():
        rules.issue(db.session.get(Visit, visit_id), None)
        db.session.commit()
    download = client.get(f"{base}/files/{stored.id}")
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    sign_in("adviser@example.org")
    assert client.post(f"{base}/files", data={"files": [(io.BytesIO(PDF), "late.pdf")]},
                       content_type="multipart/form-data").status_code == 302
    with app.app_context():
        assert len(db.session.get(Visit, visit_id).attachments) == 1


def test_evidence_verified_during_the_visit_is_linked_both_ways(app, client, sign_in, school):
    from datetime import time

    from portal.evidence import rules as evidence_rules
    from portal.meetings import rules as meeting_rules
    from portal.plans.models import Plan
    from portal.working_days import shift_working_days

    with app.app_context():
        row = db.session.get(School, school["id"])
        plan = db.session.get(Plan, school["plan"])
        meeting = meeting_rules.schedule_meeting(row, None, kind="rap_review",
                                                 meets_on=shift_working_days(clock.today(), 8),
                                                 starts_at=time(16), ends_at=time(17), plan=plan)
        items = [evidence_rules.submit(row, None, meeting=meeting, title=title, narrative="Book looks", criteria=plan.success_criteria,
                                       files=[]) for title in ("Year 6 book looks", "Reading tracker")]
        db.session.flush()
        evidence_rules.decide(items[1], None, decision=evidence_rules.Decision.VERIFIED, comment="")
        db.session.commit()
        first_id, second_id = items[0].id, items[1].id
    visit_id = _visit(app, school)
    sign_in("adviser@example.org")
    visit_page = text_of(client.get(f"/schools/{school['id']}/visits/{visit_id}"))
    assert "Year 6 book looks" in visit_page and "Evidence awaiting verification" in visit_page
    evidence_page = text_of(client.get(f"/schools/{school['id']}/evidence/{first_id}?visit={visit_id}"))
    assert "recorded as made during the monitoring visit" in evidence_page
    decided = client.post(f"/schools/{school['id']}/evidence/{first_id}/decision",
                          data={"decision": "verified", "comment": "", "visit_id": str(visit_id)})
    assert decided.status_code == 302 and decided.headers["Location"].endswith(f"/visits/{visit_id}#evidence")
    with app.app_context():
        earlier = db.session.scalar(select(Verification).where(Verification.item_id == second_id))
    linked = client.post(f"/schools/{school['id']}/visits/{visit_id}/evidence", data={"verification_ids": [str(earlier.id)]})
    assert linked.status_code == 302
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert {v.item_id for v in visit.verifications} == {first_id, second_id}
    assert "during the monitoring visit" in text_of(client.get(f"/schools/{school['id']}/evidence/{first_id}"))
    queue = text_of(client.get("/verification"))
    assert "Decided during visits" in queue and "Year 6 book looks (Brookside Primary School): verified during the" in queue
    nothing = client.post(f"/schools/{school['id']}/visits/{visit_id}/evidence", data={})
    assert nothing.status_code == 400 and "There is a problem" in text_of(nothing)


# --- reminders and the scheduler -----------------------------------------------------------------

def test_reminders_for_notes_due_and_the_last_day_of_the_accuracy_check(app, school):
    from portal.reminders.scan import wanted_reminders
    from portal.reminders.scheduler import run_once

    visit_id = _visit(app, school, visited_on=date(2026, 5, 21), today=date(2026, 5, 21))  # notes due Fri 29 May
    with app.app_context(), app.test_request_context():
        assert not [r for r in wanted_reminders(date(2026, 5, 27)) if r.kind == "notes"]
        due = [r for r in wanted_reminders(date(2026, 5, 28)) if r.kind == "notes"]
        assert [(r.email, r.subject) for r in due] == [("adviser@example.org", "Notes due 29 May 2026: your monitoring visit to "
                                                        "Brookside Primary School on 21 May 2026")]
        assert [r.subject for r in wanted_reminders(date(2026, 6, 1)) if r.kind == "notes"][0].startswith("Overdue")
        visit = db.session.get(Visit, visit_id)
        rules.issue(visit, None, today=date(2026, 5, 29))  # the school answers by Fri 5 June
        db.session.commit()
        assert not [r for r in wanted_reminders(date(2026, 6, 1)) if r.kind == "notes"]
        last_day = [r for r in wanted_reminders(date(2026, 6, 4)) if r.kind == "accuracy"]
        assert [r.email for r in last_day] == ["head@example.org"]
    from datetime import datetime

    from portal.clock import LONDON

    run_once(app, datetime(2026, 6, 8, 9, tzinfo=LONDON))
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.status == NotesStatus.FINAL and visit.final_reason == FinalReason.NO_RESPONSE


def test_home_page_queries_do_not_grow_with_visits(app, client, world, sign_in):
    from portal.auth.models import User
    from portal.schools.models import SchoolRole
    from tests.conftest import count_queries

    adviser = world.user("busy.adviser@example.org")
    sign_in("busy.adviser@example.org")

    def queries_with(count):
        with app.app_context():
            for n in range(count):
                row = School(urn=300000 + count * 100 + n, name=f"School {count}-{n}", phase="Primary",
                             local_authority_id=world.local_authority(), establishment_type="Community school")
                db.session.add(row)
                db.session.add(SchoolRole(user_id=adviser, school=row, role=Role.ADVISER))
                db.session.flush()
                rules.record_visit(row, db.session.get(User, adviser), visited_on=date(2026, 11, 2), kind=VisitKind.SUPPORT,
                                   today=date(2026, 11, 2))
            db.session.commit()
        counter, stop = count_queries(app)
        try:
            page = client.get("/")
            assert page.status_code == 200 and "Notes of visit due" in text_of(page)
        finally:
            stop()
        return counter["n"]

    assert queries_with(2) == queries_with(12)


def test_the_plan_page_lists_its_visits_as_each_person_may_see_them(app, client, sign_in, school):
    visit_id = _visit(app, school, issue=True)
    plan_url = f"/schools/{school['id']}/plans/{school['plan']}"
    sign_in("head@example.org")
    assert f"/visits/{visit_id}" in client.get(plan_url).get_data(as_text=True)
    sign_in("governor@example.org")
    page = client.get(plan_url)
    assert f"/visits/{visit_id}" not in page.get_data(as_text=True) and "No visits recorded against this plan" in text_of(page)
    with app.app_context():
        rules.respond(db.session.get(Visit, visit_id), None, verdict=Verdict.ACCURATE, corrections={})
        db.session.commit()
    assert f"/visits/{visit_id}" in client.get(plan_url).get_data(as_text=True)


def test_adviser_home_lists_schools_with_a_plan_not_visited_this_half_term(app, client, sign_in, school):
    from portal.auth.models import User
    from portal.plans.models import Plan, PlanStatus

    autumn2 = date(2026, 11, 16)
    with app.app_context():
        db.session.get(Plan, school["plan"]).status = PlanStatus.AGREED
        db.session.commit()
        adviser = db.session.get(User, school["adviser"])
        half_term, schools = _unvisited(adviser, autumn2)
        assert half_term.name == "Autumn 2" and [s.name for s in schools] == ["Brookside Primary School"]
        _visit(app, school, visited_on=date(2026, 10, 20), today=autumn2)  # Autumn 1: does not count
        assert _unvisited(adviser, autumn2)[1]
        _visit(app, school, visited_on=date(2026, 11, 3), today=autumn2)
        assert _unvisited(adviser, autumn2)[1] == []


def _unvisited(adviser, today):
    from portal.home.rules import half_term_duties

    duties = half_term_duties(adviser, today)
    return duties["half_term"], duties["not_visited"]


def test_visit_page_queries_do_not_grow_with_linked_evidence(app, client, sign_in, school):
    from datetime import time

    from portal.evidence import rules as evidence_rules
    from portal.meetings import rules as meeting_rules
    from portal.plans.models import Plan
    from portal.working_days import shift_working_days
    from tests.conftest import statements_behind

    visit_id = _visit(app, school, issue=True)

    def page_with(n):
        with app.app_context():
            row, plan = db.session.get(School, school["id"]), db.session.get(Plan, school["plan"])
            meeting = meeting_rules.schedule_meeting(row, None, kind="rap_review", starts_at=time(16), ends_at=time(17),
                                                     meets_on=shift_working_days(clock.today(), 8 + n), plan=plan)
            for k in range(n):
                item = evidence_rules.submit(row, None, meeting=meeting, title=f"E{n}-{k}", narrative="x",
                                             criteria=plan.success_criteria, files=[])
                db.session.flush()
                evidence_rules.decide(item, None, decision=evidence_rules.Decision.VERIFIED, comment="")
                item.decisions[-1].visit_id = visit_id
            db.session.commit()
        return statements_behind(app, client, f"/schools/{school['id']}/visits/{visit_id}")

    sign_in("adviser@example.org")
    assert page_with(1) == page_with(6)
