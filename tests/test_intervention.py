"""Intervention in schools causing concern: the LA's formal steps, their deadlines, responses, outcomes and documents."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.errors_domain import RuleBroken
from portal.evidence import rules as evidence_rules
from portal.evidence.files import check_head
from portal.evidence.models import EvidenceFile
from portal.evidence.storage import storage_for
from portal.extensions import db
from portal.intervention import rules
from portal.intervention.models import InterventionStep, StepKind, StepStatus
from portal.reminders.models import OutboxMessage
from portal.schools.models import Role, School
from tests.conftest import count_queries, text_of

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TODAY = date(2026, 11, 25)  # the suite's pinned day (tests/conftest.py)


@pytest.fixture
def school(app, world):
    """Brookside: head, chair of governors, governor, adviser; the LA admin; Hillview with its own head."""
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("chair@example.org", "Femi Adeyemi", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)])
    world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    admin = world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    other_id = world.school("Hillview Academy")
    world.user("other.head@example.org", "Ola Nowak", roles=[(other_id, Role.HEADTEACHER)])
    return {"id": school_id, "other": other_id, "admin": admin}


def _date(day):
    return [str(day.day), str(day.month), str(day.year)]


def _step(app, school_id, *, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 11, 2), due=date(2026, 11, 16), document=None):
    """A step recorded by the rules (with one stored PDF as its document when ``document`` names it)."""
    with app.app_context():
        row = db.session.get(School, school_id)
        documents = []
        if document:
            stored = storage_for(app.config).save(io.BytesIO(PDF), max_bytes=10_000, display_name=document)
            documents = [evidence_rules.keep_uploaded_file(row, None, stored, check_head(document, PDF), document)]
            db.session.flush()
        step = rules.record_step(row, None, kind=kind, description="Standards in reading", issued_on=issued_on,
                                 compliance_due_on=due, documents=documents)
        db.session.commit()
        return step.id, (documents[0].id if documents else None)


# --- rules -------------------------------------------------------------------------------

def test_recording_a_step_checks_its_kind_and_dates(ctx, world):
    school = db.session.get(School, world.school())
    with pytest.raises(RuleBroken) as no_kind:
        rules.record_step(school, None, kind=None, issued_on=TODAY)
    assert no_kind.value.field == "kind"
    with pytest.raises(RuleBroken, match="Describe the step") as other:
        rules.record_step(school, None, kind=StepKind.OTHER, description="  ", issued_on=TODAY)
    assert other.value.field == "description"
    with pytest.raises(RuleBroken, match="today or in the past"):
        rules.record_step(school, None, kind=StepKind.WARNING_NOTICE, issued_on=TODAY + timedelta(days=1))
    with pytest.raises(RuleBroken, match="on or after the date issued") as deadline:
        rules.record_step(school, None, kind=StepKind.WARNING_NOTICE, issued_on=TODAY,
                          compliance_due_on=TODAY - timedelta(days=1))
    assert deadline.value.field == "compliance_due_on"
    step = rules.record_step(school, None, kind=StepKind.OTHER, description="Review of leadership capacity\nby the LA",
                             issued_on=TODAY, compliance_due_on=TODAY)
    db.session.commit()
    assert step.status == StepStatus.OPEN and step.title == "Review of leadership capacity"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.record_type == "intervention_step")) \
        == "intervention_step.created"
    assert db.session.scalar(select(AuditEvent.school_id).where(AuditEvent.record_type == "intervention_step")) == school.id


def test_changing_a_step_and_recording_the_response_and_outcome(ctx, world):
    school = db.session.get(School, world.school())
    step = rules.record_step(school, None, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 11, 2),
                             compliance_due_on=date(2026, 11, 16))
    rules.change_step(step, kind=StepKind.DIRECTION, description="Appoint a new clerk", issued_on=date(2026, 11, 3),
                      compliance_due_on=date(2026, 11, 20))
    assert (step.kind, step.issued_on, step.compliance_due_on) == (StepKind.DIRECTION, date(2026, 11, 3), date(2026, 11, 20))
    with pytest.raises(RuleBroken, match="Describe the outcome") as no_outcome:
        rules.record_response(step, status=StepStatus.COMPLIED, outcome="", response_received_on=date(2026, 11, 18))
    assert no_outcome.value.field == "outcome"
    with pytest.raises(RuleBroken, match="before the step was issued"):
        rules.record_response(step, status=StepStatus.OPEN, response_received_on=date(2026, 11, 1))
    with pytest.raises(RuleBroken, match="today or in the past"):
        rules.record_response(step, status=StepStatus.OPEN, response_received_on=TODAY + timedelta(days=1))
    rules.record_response(step, status=StepStatus.COMPLIED, outcome="The clerk started on 17 November.",
                          response_received_on=date(2026, 11, 18))
    assert step.status == StepStatus.COMPLIED and step.closed_on is None and rules.days_late(step) is None
    with pytest.raises(RuleBroken, match="before the response was received") as issued_late:
        rules.change_step(step, kind=StepKind.DIRECTION, issued_on=date(2026, 11, 19))
    assert issued_late.value.field == "issued_on"


def test_closing_fixes_the_step_until_it_is_reopened(ctx, world):
    school = db.session.get(School, world.school())
    step = rules.record_step(school, None, kind=StepKind.INTERIM_EXECUTIVE_BOARD, issued_on=date(2026, 9, 1))
    rules.close_step(step, outcome="The IEB handed back to a new governing body.")
    assert step.status == StepStatus.CLOSED and step.closed_on == TODAY
    with pytest.raises(RuleBroken, match="closed"):
        rules.change_step(step, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 9, 1))
    with pytest.raises(RuleBroken, match="closed"):
        rules.attach_documents(step, [])
    with pytest.raises(RuleBroken, match="closed"):
        rules.remove_document(step, None)
    rules.record_response(step, status=StepStatus.WITHDRAWN, outcome="Withdrawn after review")
    assert step.closed_on == TODAY  # still settled: the day it was first settled stays
    rules.record_response(step, status=StepStatus.OPEN, outcome="")
    assert step.status == StepStatus.OPEN and step.closed_on is None
    rules.change_step(step, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 9, 2))


def test_compliance_deadline_overdue_only_while_open_without_a_response(ctx, world):
    school = db.session.get(School, world.school())
    step = rules.record_step(school, None, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 11, 2),
                             compliance_due_on=date(2026, 11, 24))
    assert rules.compliance_overdue(step)  # the deadline was yesterday
    assert not rules.compliance_overdue(step, today=date(2026, 11, 24))  # due today is not yet overdue
    step.compliance_due_on = None
    assert not rules.compliance_overdue(step)
    step.compliance_due_on = date(2026, 11, 16)
    rules.record_response(step, status=StepStatus.OPEN, response_received_on=date(2026, 11, 20))
    assert not rules.compliance_overdue(step) and rules.days_late(step) == 4
    rules.record_response(step, status=StepStatus.ESCALATED, outcome="Not complied with: the LA will appoint governors")
    step.response_received_on = None
    assert not rules.compliance_overdue(step)


def test_open_steps_for_many_schools_in_one_statement(app, ctx, world):
    ids = [world.school(f"School {n}") for n in range(3)]
    schools = [db.session.get(School, school_id) for school_id in ids]
    old = rules.record_step(schools[0], None, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 9, 1))
    new = rules.record_step(schools[0], None, kind=StepKind.ADDITIONAL_GOVERNORS, issued_on=date(2026, 11, 1))
    done = rules.record_step(schools[0], None, kind=StepKind.DIRECTION, issued_on=date(2026, 10, 1))
    rules.close_step(done, outcome="Complied")
    gone = rules.record_step(schools[1], None, kind=StepKind.BUDGET_SUSPENDED, issued_on=date(2026, 10, 1))
    rules.record_response(gone, status=StepStatus.WITHDRAWN, outcome="Finances recovered")
    escalated = rules.record_step(schools[1], None, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 10, 2))
    rules.record_response(escalated, status=StepStatus.ESCALATED, outcome="IEB proposed")
    db.session.commit()
    db.session.expire_all()
    counter, stop = count_queries(app)
    try:
        found = rules.open_steps(ids)
    finally:
        stop()
    assert counter["n"] == 1
    assert {school_id: [s.id for s in steps] for school_id, steps in found.items()} == {
        ids[0]: [new.id, old.id], ids[1]: [escalated.id], ids[2]: []}
    assert rules.open_steps([]) == {}
    assert [s.id for s in rules.school_steps(schools[0])] == [new.id, done.id, old.id]


# --- pages --------------------------------------------------------------------------------

def test_la_admin_records_a_step_with_a_document_and_the_school_is_told(app, client, sign_in, school):
    base = f"/schools/{school['id']}/intervention"
    sign_in("admin@example.org")
    assert "No intervention steps have been recorded" in text_of(client.get(base))
    assert client.get(f"{base}/new").status_code == 200
    response = client.post(f"{base}/new", content_type="multipart/form-data", data={
        "kind": "warning_notice", "description": "Standards of reading in key stage 2 are unacceptably low.",
        "issued_on": _date(date(2026, 11, 2)), "compliance_due_on": _date(date(2026, 11, 24)),
        "files": [(io.BytesIO(PDF), "warning notice.pdf")]})
    assert response.status_code == 302, text_of(response)
    flash = text_of(client.get(response.headers["Location"]))
    assert "Warning notice recorded" in flash and "Sarah Lewis" in flash and "Femi Adeyemi" in flash
    with app.app_context():
        step = db.session.scalar(select(InterventionStep))
        document = step.documents[0]
        assert (step.recorded_by_id, step.status) == (school["admin"], StepStatus.OPEN)
        assert document.display_name == "warning notice.pdf"
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "intervention-step")).all()
        assert sorted(m.recipient_email for m in messages) == ["chair@example.org", "head@example.org"]
        assert "Warning notice" in messages[0].subject and "24 November 2026" in messages[0].text_body
        assert f"/schools/{school['id']}/intervention" in messages[0].text_body
    for email in ("head@example.org", "governor@example.org", "adviser@example.org"):
        sign_in(email)
        page = text_of(client.get(base))
        assert "Warning notice" in page and "2 November 2026" in page and "warning notice.pdf" in page
        assert "Compliance is overdue: the deadline was 24 November 2026" in page and "Record a step" not in page
        download = client.get(f"{base}/{step.id}/documents/{document.id}")
        assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_the_school_reads_but_never_writes_and_other_schools_see_nothing(app, client, sign_in, school):
    step_id, document_id = _step(app, school["id"], document="notice.pdf")
    base = f"/schools/{school['id']}/intervention"
    writes = [("get", f"{base}/new"), ("post", f"{base}/new"), ("get", f"{base}/{step_id}/change"),
              ("post", f"{base}/{step_id}/change"), ("get", f"{base}/{step_id}/response"), ("post", f"{base}/{step_id}/response"),
              ("get", f"{base}/{step_id}/documents"), ("post", f"{base}/{step_id}/documents"),
              ("post", f"{base}/{step_id}/documents/{document_id}/remove")]
    for email in ("head@example.org", "governor@example.org", "chair@example.org", "adviser@example.org"):
        sign_in(email)
        assert client.get(base).status_code == 200
        for method, url in writes:
            assert getattr(client, method)(url, data={}).status_code == 403, (email, method, url)
    sign_in("other.head@example.org")
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{step_id}/documents/{document_id}").status_code == 404
    assert client.post(f"{base}/{step_id}/response", data={}).status_code == 404
    sign_in("admin@example.org")
    elsewhere = f"/schools/{school['other']}/intervention/{step_id}"
    assert client.get(f"{elsewhere}/documents/{document_id}").status_code == 404  # not under another school
    assert client.get(f"{elsewhere}/change").status_code == 404
    with app.app_context():
        assert db.session.get(EvidenceFile, document_id).intervention_step_id == step_id


def test_bad_input_keeps_what_was_typed_and_the_uploaded_file(app, client, sign_in, school):
    base = f"/schools/{school['id']}/intervention"
    sign_in("admin@example.org")
    response = client.post(f"{base}/new", content_type="multipart/form-data", data={
        "kind": "other", "description": "", "issued_on": ["2", "11", ""], "compliance_due_on": _date(date(2026, 12, 1)),
        "files": [(io.BytesIO(PDF), "letter.pdf"), (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "tool.pdf")]})
    page, body = text_of(response), response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Date issued must include a year" in page and "tool.pdf" in page
    assert 'value="2"' in body and 'value="11"' in body and 'value="other" checked' in body
    assert "Already uploaded and kept" in page and "letter.pdf" in page
    kept_id = body.split('name="kept_file" value="', 1)[1].split('"', 1)[0]
    missing = client.post(f"{base}/new", content_type="multipart/form-data", data={
        "kind": "other", "description": "", "issued_on": _date(date(2026, 11, 2)), "kept_file": kept_id})
    assert missing.status_code == 200 and "Describe the step" in text_of(missing) and "letter.pdf" in text_of(missing)
    done = client.post(f"{base}/new", content_type="multipart/form-data", data={
        "kind": "other", "description": "Support plan agreed with the diocese", "issued_on": _date(date(2026, 11, 2)),
        "kept_file": kept_id})
    assert done.status_code == 302
    with app.app_context():
        step = db.session.scalar(select(InterventionStep))
        assert step.title == "Support plan agreed with the diocese" and step.compliance_due_on is None
        assert [d.display_name for d in step.documents] == ["letter.pdf"]
        assert db.session.scalar(select(db.func.count()).select_from(EvidenceFile)) == 1  # the refused file was never kept


def test_change_the_step_and_record_its_outcome(app, client, sign_in, school):
    step_id, _ = _step(app, school["id"])
    base = f"/schools/{school['id']}/intervention"
    sign_in("admin@example.org")
    form = client.get(f"{base}/{step_id}/change")
    assert 'value="warning_notice" checked' in form.get_data(as_text=True) and "Standards in reading" in text_of(form)
    wrong = client.post(f"{base}/{step_id}/change", data={"kind": "direction", "description": "Appoint a clerk",
                                                           "issued_on": _date(date(2026, 11, 2)),
                                                           "compliance_due_on": _date(date(2026, 10, 1))})
    assert wrong.status_code == 200 and "The compliance deadline must be on or after the date issued" in text_of(wrong)
    assert "Appoint a clerk" in text_of(wrong) and 'value="direction" checked' in wrong.get_data(as_text=True)
    changed = client.post(f"{base}/{step_id}/change", data={"kind": "direction", "description": "Appoint a clerk",
                                                             "issued_on": _date(date(2026, 11, 2)),
                                                             "compliance_due_on": _date(date(2026, 12, 1))})
    assert changed.status_code == 302
    assert "Compliance is overdue" not in text_of(client.get(changed.headers["Location"]))
    no_outcome = client.post(f"{base}/{step_id}/response", data={"status": "closed", "outcome": "",
                                                                  "response_received_on": _date(date(2026, 11, 20))})
    assert no_outcome.status_code == 200 and "Describe the outcome: the step is closed" in text_of(no_outcome)
    assert 'value="20"' in no_outcome.get_data(as_text=True)
    closed = client.post(f"{base}/{step_id}/response", data={"status": "closed", "outcome": "A clerk was appointed.",
                                                              "response_received_on": _date(date(2026, 11, 20))})
    assert closed.status_code == 302
    page = text_of(client.get(closed.headers["Location"]))
    assert "Closed" in page and "A clerk was appointed." in page and "20 November 2026" in page
    assert "Reopen, or change the outcome" in page and "Change the details" not in page
    refused = client.get(f"{base}/{step_id}/change")
    assert refused.status_code == 302 and "This step is closed" in text_of(client.get(refused.headers["Location"]))
    assert client.get(f"{base}/{step_id}/documents").status_code == 302
    with app.app_context():
        step = db.session.get(InterventionStep, step_id)
        assert (step.kind, step.status, step.closed_on) == (StepKind.DIRECTION, StepStatus.CLOSED, clock.today())
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0  # only a new step is told


def test_documents_are_added_and_removed_under_the_evidence_rules(app, client, sign_in, school):
    step_id, document_id = _step(app, school["id"], document="first.pdf")
    base = f"/schools/{school['id']}/intervention/{step_id}/documents"
    sign_in("admin@example.org")
    assert "first.pdf" in text_of(client.get(base))
    nothing = client.post(base, data={}, content_type="multipart/form-data")
    assert nothing.status_code == 200 and "Choose a file to upload" in text_of(nothing)
    refused = client.post(base, data={"files": [(io.BytesIO(b"MZ\x90\x00 not really"), "tool.exe")]},
                          content_type="multipart/form-data")
    assert "There is a problem" in text_of(refused) and "tool.exe" in text_of(refused)
    added = client.post(base, data={"files": [(io.BytesIO(PDF), "minutes.pdf")]}, content_type="multipart/form-data")
    assert added.status_code == 302 and "1 document added" in text_of(client.get(added.headers["Location"]))
    with app.app_context():
        key = db.session.get(EvidenceFile, document_id).storage_key
    removed = client.post(f"{base}/{document_id}/remove")
    assert removed.status_code == 302 and "first.pdf removed" in text_of(client.get(removed.headers["Location"]))
    assert client.post(f"{base}/{document_id}/remove").status_code == 404
    with app.app_context():
        assert not storage_for(app.config).exists(key)
        step = db.session.get(InterventionStep, step_id)
        assert [d.display_name for d in step.documents] == ["minutes.pdf"]


def test_only_the_la_admin_may_record_intervention(ctx, world):
    from portal.access import may_record_intervention

    school_id = world.school()
    head = db.session.get(User, world.user("head@example.org", roles=[(school_id, Role.HEADTEACHER)]))
    adviser = db.session.get(User, world.user("adviser@example.org", roles=[(school_id, Role.ADVISER)]))
    admin = db.session.get(User, world.user("admin@example.org", is_la_admin=True))
    school = db.session.get(School, school_id)
    assert [may_record_intervention(person, school) for person in (head, adviser, admin)] == [False, False, True]
