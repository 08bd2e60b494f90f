"""Evidence: submission with files checked by content, queries and answers, verification, withdrawal, downloads."""

import hashlib
import io
import zipfile
from datetime import date, time

import pytest
from sqlalchemy import select

from portal.errors_domain import RuleBroken
from portal.evidence import rules
from portal.evidence.models import Decision, EvidenceFile, EvidenceItem, EvidenceStatus
from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind, PlanStatus
from portal.schools.models import Role, School
from portal.terms.rules import save_term_dates
from portal.working_days import shift_working_days
from portal import clock
from tests.conftest import text_of
from tests.test_meetings import YEAR

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def school(app, world):
    """Brookside: head, governor, adviser; a plan with one criterion; a review 8 working days from today."""
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        row = db.session.get(School, school_id)
        plan = plan_rules.create_plan(row, None, kind=PlanKind.RAP, title="RAP", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Reading", description="")
        plan_rules.save_criterion(priority, None, description="85% reach the expected standard", milestones={})
        meeting = meeting_rules.schedule_meeting(row, None, kind="rap_review",
                                                 meets_on=shift_working_days(clock.today(), 8),
                                                 starts_at=time(16), ends_at=time(17), plan=plan)
        db.session.commit()
        return {"id": school_id, "meeting": meeting.id, "criterion": plan.success_criteria[0].id, "plan": plan.id}


def _post(client, school, files, **fields):
    data = {"meeting_id": str(school["meeting"]), "title": "Year 6 reading", "criterion_ids": [str(school["criterion"])],
            "narrative": "Book looks show progress.", **fields}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/schools/{school['id']}/evidence/new", data=data, content_type="multipart/form-data")


def test_headteacher_submits_two_files_and_everyone_at_the_school_can_download(app, client, sign_in, school):
    sign_in("head@example.org")
    response = _post(client, school, [("reading.pdf", PDF), ("Plan été 2026.docx", docx_bytes())])
    assert response.status_code == 302, text_of(response)
    page = text_of(client.get(response.headers["Location"]))
    assert "Awaiting verification" in page and "reading.pdf" in page and "Plan été 2026.docx" in page
    assert hashlib.sha256(PDF).hexdigest() in page and "Late" not in page
    with app.app_context():
        pdf = db.session.scalar(select(EvidenceFile).where(EvidenceFile.display_name == "reading.pdf"))
        item_id = pdf.version.item_id
        assert pdf.storage_key != "reading.pdf" and "reading" not in pdf.storage_key
    sign_in("governor@example.org")
    download = client.get(f"/schools/{school['id']}/evidence/{item_id}/files/{pdf.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;") and "reading.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff" and download.mimetype == "application/pdf"


def test_refused_files_name_the_file_and_keep_the_rest_of_the_form(app, client, sign_in, school):
    sign_in("head@example.org")
    response = _post(client, school, [("good.pdf", PDF), ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200), ("empty.txt", b"")],
                     title="Kept title")
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "report.pdf" in page and "empty.txt is empty" in page
    body = response.get_data(as_text=True)
    assert 'value="Kept title"' in body and "Book looks show progress." in body
    assert "Already uploaded and kept" in page and "good.pdf" in page
    kept_id = body.split('name="kept_file" value="', 1)[1].split('"', 1)[0]
    finished = _post(client, school, [], title="Kept title", kept_file=kept_id)
    assert finished.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(EvidenceItem))
        assert [f.display_name for f in item.versions[0].files] == ["good.pdf"]


def test_file_over_the_limit_is_refused_clearly(app, client, sign_in, school):
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 1024
    try:
        sign_in("head@example.org")
        page = text_of(_post(client, school, [("big.pdf", PDF + b"0" * 5000)]))
    finally:
        app.config["EVIDENCE_MAX_FILE_BYTES"] = 100 * 1024 * 1024
    assert "big.pdf must be smaller than" in page


def test_names_with_path_separators_and_the_same_name_twice(app, client, sign_in, school):
    sign_in("head@example.org")
    response = _post(client, school, [("..\\..\\etc/passwd.pdf", PDF), ("minutes.pdf", PDF), ("minutes.pdf", PDF + b"\n")])
    assert response.status_code == 302
    with app.app_context():
        files = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
        assert [f.display_name for f in files] == ["passwd.pdf", "minutes.pdf", "minutes.pdf"]
        assert len({f.storage_key for f in files}) == 3


def test_late_evidence_is_accepted_and_marked(ctx, school):
    row = db.session.get(School, school["id"])
    meeting = meeting_rules.load_meeting(row, school["meeting"])
    due = meeting_rules.deadlines_for(meeting).evidence_due
    item = rules.submit(row, None, meeting=meeting, title="Late", narrative="x", criteria=meeting.plan.success_criteria,
                        files=[], today=shift_working_days(due, 1))
    assert item.late is True


def test_query_answer_verify_and_withdraw_rules(ctx, school):
    row = db.session.get(School, school["id"])
    meeting = meeting_rules.load_meeting(row, school["meeting"])
    item = rules.submit(row, None, meeting=meeting, title="Book looks", narrative="x", criteria=meeting.plan.success_criteria, files=[])
    db.session.flush()
    with pytest.raises(RuleBroken, match="Write the question"):
        rules.decide(item, None, decision=Decision.QUERY, comment="")
    rules.decide(item, None, decision=Decision.QUERY, comment="Which year groups?")
    assert item.status == EvidenceStatus.QUERIED
    with pytest.raises(RuleBroken, match="nothing to verify"):
        rules.decide(item, None, decision=Decision.VERIFIED, comment="")
    rules.answer_query(item, None, answer="Years 5 and 6.", files=[])
    assert item.status == EvidenceStatus.SUBMITTED and [v.number for v in item.versions] == [1, 2]
    rules.decide(item, None, decision=Decision.VERIFIED, comment="")
    with pytest.raises(RuleBroken, match="cannot be withdrawn"):
        rules.withdraw(item)
    other = rules.submit(row, None, meeting=meeting, title="Other", narrative="y", criteria=meeting.plan.success_criteria, files=[])
    rules.withdraw(other)
    assert other.status == EvidenceStatus.WITHDRAWN and other in db.session


def test_adviser_queue_query_and_answer_through_the_pages(app, client, sign_in, school):
    sign_in("head@example.org")
    item_url = _post(client, school, [("reading.pdf", PDF)]).headers["Location"]
    item_id = int(item_url.rsplit("/", 1)[1])
    sign_in("adviser@example.org")
    queue = text_of(client.get("/verification"))
    assert "Evidence waiting for you (1)" in queue and "Year 6 reading" in queue
    refused = client.post(f"{item_url}/decision", data={"decision": "not_accepted", "comment": ""})
    assert "Give the reason it is not accepted" in text_of(refused)
    client.post(f"{item_url}/decision", data={"decision": "query", "comment": "Which pupils are included?"})
    sign_in("head@example.org")
    assert "Query raised" in text_of(client.get(item_url)) and "Which pupils are included?" in text_of(client.get(item_url))
    answer = client.post(f"{item_url}/answer", data={"answer": "All disadvantaged pupils in year 6.",
                                                     "files": [(io.BytesIO(PNG), "chart.png")]},
                         content_type="multipart/form-data")
    assert answer.status_code == 302
    sign_in("adviser@example.org")
    queue = text_of(client.get("/verification"))
    assert "Query answered" in queue
    client.post(f"{item_url}/decision", data={"decision": "verified", "comment": ""})
    page = text_of(client.get(item_url))
    assert "Verified" in page and "version 1" in page and "version 2" in page and "chart.png" in page
    with app.app_context():
        assert db.session.get(EvidenceItem, item_id).status == EvidenceStatus.VERIFIED


def test_schools_not_verified_this_half_term(ctx, school, world):
    from portal.auth.models import User

    row = db.session.get(School, school["id"])
    plan = plan_rules.load_plan(row, school["plan"])
    today = date(2026, 11, 25)  # Autumn 2 in YEAR
    adviser = db.session.scalar(select(User).where(User.email == "adviser@example.org"))
    half_term, schools = rules.schools_not_verified_this_half_term(adviser, today)
    assert schools == []  # no agreed plan yet
    plan.status = PlanStatus.AGREED
    db.session.flush()
    half_term, schools = rules.schools_not_verified_this_half_term(adviser, today)
    assert half_term.name == "Autumn 2" and schools == [row]
    meeting = meeting_rules.load_meeting(row, school["meeting"])
    item = rules.submit(row, None, meeting=meeting, title="x", narrative="x", criteria=plan.success_criteria, files=[])
    rules.decide(item, adviser, decision=Decision.VERIFIED, comment="", today=today)
    db.session.flush()
    assert rules.schools_not_verified_this_half_term(adviser, today)[1] == []
    assert rules.schools_not_verified_this_half_term(None, date(2027, 1, 12))[1] == [row]  # a new half term


def test_submitted_evidence_clears_the_evidence_due_item(client, sign_in, school):
    sign_in("head@example.org")
    assert "Submit evidence" in text_of(client.get("/"))
    _post(client, school, [("reading.pdf", PDF)])
    assert "Submit evidence" not in text_of(client.get("/"))


def test_only_meetings_still_to_come_are_offered(app, client, sign_in, school):
    import re

    from portal.meetings.models import ReviewMeeting

    today = clock.today()
    with app.app_context():
        row = db.session.get(School, school["id"])
        plan = plan_rules.load_plan(row, school["plan"])
        when = {"kind": "rap_review", "starts_at": time(16), "ends_at": time(17), "plan": plan}
        held = meeting_rules.schedule_meeting(row, None, meets_on=shift_working_days(today, -3), **when)
        cancelled = meeting_rules.schedule_meeting(row, None, meets_on=shift_working_days(today, 12), **when)
        on_the_day = meeting_rules.schedule_meeting(row, None, meets_on=today, **when)
        meeting_rules.cancel(cancelled, "Head on a course")
        db.session.commit()
        held_id, today_id = held.id, on_the_day.id

    def offered(response):
        select_html = re.search(r'<select[^>]*name="meeting_id".*?</select>', response.get_data(as_text=True), re.DOTALL).group(0)
        return {int(v) for v in re.findall(r'value="(\d+)"', select_html)} - {0}

    sign_in("head@example.org")
    url = f"/schools/{school['id']}/evidence/new"
    assert offered(client.get(url)) == {school["meeting"], today_id}  # not the held one, nor the cancelled one
    assert offered(client.get(f"{url}?meeting={held_id}")) == {school["meeting"], today_id}
    late = _post(client, school, [("reading.pdf", PDF)], meeting_id=str(held_id))
    assert late.status_code == 200 and "Choose the review meeting this evidence is for" in text_of(late)
    assert "Submit evidence for this meeting" not in text_of(client.get(f"/schools/{school['id']}/meetings/{held_id}"))
    with app.app_context():
        for meeting_id in (school["meeting"], today_id):
            meeting_rules.cancel(db.session.get(ReviewMeeting, meeting_id), "Moved to the spring")
        db.session.commit()
    page = text_of(client.get(url))
    assert "There is no review meeting coming up to submit evidence for" in page
    assert "meetings already held or cancelled are not offered" in page and "Choose a meeting" not in page
