"""Notices: the people who must act (or should know) hear of an event by email at once, and on their home page."""

import threading
import time as wall_clock
from datetime import datetime

import pytest
from sqlalchemy import select

from portal import clock
from portal.auth.models import User
from portal.clock import LONDON
from portal.evidence import rules as evidence_rules
from portal.extensions import db
from portal.frameworks import rules as framework_rules
from portal.meetings.models import ReviewMeeting
from portal.minutes import rules as minutes_rules
from portal.reminders import outbox
from portal.reminders.models import MessageStatus, OutboxMessage
from portal.reminders.scheduler import deliver_notices
from portal.schools.models import Role, School
from portal.self_evaluation import rules as self_evaluation_rules
from tests.conftest import text_of
from tests.test_evidence import school  # noqa: F401 (fixture: a plan and a review 8 working days ahead)
from tests.test_self_evaluation import _complete, brookside, frameworks  # noqa: F401 (fixtures)


def _notices(app, kind=None):
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return [(m.kind, m.recipient_email, m.subject) for m in db.session.scalars(query)]


def _body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def submitted_evidence(app, world, school):  # noqa: F811
    world.user("deputy@example.org", "Imran Ali", roles=[(school["id"], Role.SENIOR_LEADER)])
    with app.app_context():
        row = db.session.get(School, school["id"])
        head = db.session.scalar(select(User).where(User.email == "head@example.org"))
        meeting = db.session.get(ReviewMeeting, school["meeting"])
        item = evidence_rules.submit(row, head, meeting=meeting, title="Year 6 reading", narrative="Book looks.",
                                     criteria=meeting.plan.success_criteria, files=[])
        db.session.commit()
        return {**school, "item": item.id, "url": f"/schools/{school['id']}/evidence/{item.id}"}


def test_a_query_reaches_the_headteacher_by_email_and_on_the_home_page(app, client, sign_in, submitted_evidence, smtp_server):
    sign_in("adviser@example.org")
    client.post(f"{submitted_evidence['url']}/decision", data={"decision": "query", "comment": "Which pupils are included?"})
    assert sorted(to for _, to, _ in _notices(app, "evidence-query")) == ["deputy@example.org", "head@example.org"]
    with app.app_context():
        assert outbox.deliver_due()["sent"] == 2
    message = next(m for m in smtp_server.messages if m["To"] == "head@example.org")
    assert str(message["Subject"]).strip() == "A query on your evidence: Year 6 reading"
    assert "Which pupils are included?" in _body(message) and submitted_evidence["url"] in _body(message)
    sign_in("head@example.org")
    home = text_of(client.get("/"))
    assert "Queries on your evidence to answer" in home and "Answer the query on Year 6 reading" in home
    assert "Which pupils are included?" in home
    sign_in("governor@example.org")  # governors do not answer queries
    assert "Queries on your evidence to answer" not in text_of(client.get("/"))
    sign_in("head@example.org")
    client.post(f"{submitted_evidence['url']}/answer", data={"answer": "All of year 6."})
    assert "Queries on your evidence to answer" not in text_of(client.get("/"))


def test_verified_and_not_accepted_evidence_is_told_once(app, client, sign_in, submitted_evidence):
    sign_in("adviser@example.org")
    client.post(f"{submitted_evidence['url']}/decision", data={"decision": "verified", "comment": ""})
    client.post(f"{submitted_evidence['url']}/decision", data={"decision": "verified", "comment": ""})  # refused: already done
    assert _notices(app, "evidence-decided") == [
        ("evidence-decided", "head@example.org", "Evidence verified: Year 6 reading"),
        ("evidence-decided", "deputy@example.org", "Evidence verified: Year 6 reading")]


def test_a_decision_that_is_refused_tells_nobody(app, client, sign_in, submitted_evidence):
    sign_in("adviser@example.org")
    client.post(f"{submitted_evidence['url']}/decision", data={"decision": "not_accepted", "comment": ""})  # no reason given
    assert _notices(app) == []


def _submitted_self_evaluation(app, school_id, people):
    with app.app_context():
        head = db.session.get(User, people["head"])
        evaluation = self_evaluation_rules.start(db.session.get(School, school_id), framework_rules.current_version(), head,
                                                 "Autumn 2026")
        db.session.flush()
        _complete(evaluation, head)
        self_evaluation_rules.submit(evaluation, head)
        for judgement in evaluation.judgements:
            self_evaluation_rules.record_adviser_view(judgement, agrees=True, grade_id=None, reason="")
        db.session.commit()
        return f"/schools/{school_id}/self-evaluations/{evaluation.id}"


def test_self_evaluation_returned_then_validated_tells_the_school_each_time(app, client, sign_in, brookside, smtp_server):  # noqa: F811
    school_id, people = brookside
    base = _submitted_self_evaluation(app, school_id, people)
    sign_in("adviser@example.org")
    client.post(f"{base}/decision", data={"comments": "Add the attendance figures.", "return_evaluation": "Return"})
    returned = _notices(app, "self-evaluation-returned")
    assert sorted(to for _, to, _ in returned) == ["deputy@example.org", "head@example.org"]
    with app.app_context():
        outbox.deliver_due()
    assert "Add the attendance figures." in _body(smtp_server.messages[0])
    sign_in("head@example.org")
    client.post(f"{base}/submit")
    sign_in("adviser@example.org")
    client.post(f"{base}/decision", data={"summary": "Accurate.", "safeguarding_agrees": "yes",
                                          "validate_evaluation": "Mark as validated"})
    validated = _notices(app, "self-evaluation-validated")
    assert [subject for _, _, subject in validated] == ["Self-evaluation validated: Brookside Primary School, Autumn 2026"] * 2


def test_booking_moving_and_cancelling_a_meeting_tells_every_member_with_the_invitation(app, client, sign_in, school,  # noqa: F811
                                                                                        smtp_server):
    sign_in("adviser@example.org")
    base = f"/schools/{school['id']}/meetings"
    booked = client.post(f"{base}/new", data={"kind": "rap_review", "plan_id": str(school["plan"]),
                                              "meets_on": ["9", "12", "2026"], "starts_at": "4pm", "ends_at": "5pm",
                                              "place": "School library", "chair": ""})
    assert booked.status_code == 302
    meeting_url = booked.headers["Location"]
    # The members are the headteacher and the adviser (the school has no chair); the adviser booked it, so is not told.
    assert [to for _, to, _ in _notices(app, "meeting-scheduled")] == ["head@example.org"]
    client.post(f"{meeting_url}/reschedule", data={"meets_on": ["10", "12", "2026"], "starts_at": "15:30", "ends_at": "16:30",
                                                   "reason": "Clash with the Christmas play"})
    client.post(f"{meeting_url}/cancel", data={"reason": "School closed for snow"})
    with app.app_context():
        outbox.deliver_due()
    to_head = [m for m in smtp_server.messages if m["To"] == "head@example.org"]
    assert [str(m["Subject"]).strip() for m in to_head] == [
        "Booked for 9 December 2026: Brookside Primary School's RAP review meeting",
        "Moved to 10 December 2026: Brookside Primary School's RAP review meeting",
        "Cancelled: Brookside Primary School's RAP review meeting on 10 December 2026"]
    invitations = [next(m.iter_attachments()).get_content() for m in to_head]
    invitations = [i.decode() if isinstance(i, bytes) else i for i in invitations]
    assert ["SEQUENCE:0" in invitations[0], "SEQUENCE:1" in invitations[1], "SEQUENCE:2" in invitations[2]] == [True] * 3
    assert "METHOD:CANCEL" in invitations[2] and "Clash with the Christmas play" in _body(to_head[1])


@pytest.fixture
def circulated_minutes(app, world, school):  # noqa: F811
    """The review held today, its minutes written by the adviser, with a chair and a clerk at the school."""
    world.user("chair@example.org", "Margaret Dunn", roles=[(school["id"], Role.CHAIR_OF_GOVERNORS)])
    world.user("clerk@example.org", "Jenny Holt", roles=[(school["id"], Role.CLERK)])
    with app.app_context():
        meeting = db.session.get(ReviewMeeting, school["meeting"])
        meeting.meets_on = clock.today()
        adviser = db.session.scalar(select(User).where(User.email == "adviser@example.org"))
        version = minutes_rules.start_version(meeting, adviser)
        minutes_rules.save_draft(version, attendance="All", apologies="", discussion=[], decisions="Carry on.", summary="",
                                 actions=[])
        db.session.commit()
        return {**school, "version": version.id, "base": f"/schools/{school['id']}/meetings/{meeting.id}/minutes"}


def test_circulating_asks_the_chair_to_confirm_and_confirming_tells_adviser_head_and_clerk(app, client, sign_in,
                                                                                           circulated_minutes):
    sign_in("adviser@example.org")
    version_url = f"{circulated_minutes['base']}/{circulated_minutes['version']}"
    assert "Circulate to members" in text_of(client.get(f"{version_url}/circulate"))  # the check before it cannot be undone
    assert _notices(app) == []
    assert client.post(f"{version_url}/circulate").status_code == 302
    circulated = _notices(app, "minutes-circulated")
    assert ("minutes-circulated", "chair@example.org",
            f"Minutes to confirm: Brookside Primary School's review on {clock.today().day} {clock.today():%B %Y}") in circulated
    assert any(to == "head@example.org" and subject.startswith("Minutes circulated") for _, to, subject in circulated)
    assert not any(to == "adviser@example.org" for _, to, _ in circulated)  # they circulated them
    sign_in("chair@example.org")
    client.post(f"{circulated_minutes['base']}/{circulated_minutes['version']}/confirm", data={"accurate": "y"})
    confirmed = sorted(to for _, to, _ in _notices(app, "minutes-confirmed"))
    assert confirmed == ["adviser@example.org", "clerk@example.org", "head@example.org"]


def test_notices_go_out_on_a_bank_holiday_while_reminders_wait_for_a_working_day(app, travel, submitted_evidence, tmp_path):
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    travel(datetime(2026, 12, 28, 10, tzinfo=LONDON))  # Boxing Day, observed on Monday 28 December
    with app.app_context():
        values = dict(recipient_email="head@example.org", text_body="t", html_body="h", subject="s")
        outbox.queue(key="evidence:reminder", kind="evidence", **values)
        outbox.queue(key="evidence-query:notice", kind="evidence-query", **values)
        db.session.commit()
    assert deliver_notices(app)["sent"] == 1
    with app.app_context():
        statuses = dict(db.session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all())
    assert statuses == {"evidence": MessageStatus.QUEUED, "evidence-query": MessageStatus.SENT}
    travel(datetime(2026, 12, 29, 10, tzinfo=LONDON))
    assert deliver_notices(app)["sent"] == 1


def pause(seconds):
    """Wait without time.sleep, which fails when the suite runs under faketime (.ci/run)."""
    threading.Event().wait(seconds)


def test_a_notice_is_delivered_within_seconds_when_the_scheduler_shares_the_process(app, client, sign_in, submitted_evidence,
                                                                                   smtp_server):
    """Not at the next 15-minute scan: committing the change wakes the outbox job."""
    from portal.reminders import scheduler as module
    from portal.reminders.scheduler import start_in_background

    app.config["OUTBOX_SECONDS"] = 3600  # so only the wake-up can deliver it in time
    try:
        start_in_background(app)
        pause(0.5)  # the first scan runs on start
        sign_in("adviser@example.org")
        client.post(f"{submitted_evidence['url']}/decision", data={"decision": "query", "comment": "Which pupils?"})
        deadline = wall_clock.monotonic() + 10
        while wall_clock.monotonic() < deadline and not any("A query on your evidence" in str(m["Subject"])
                                                             for m in smtp_server.messages):
            pause(0.1)
        assert any("A query on your evidence" in str(m["Subject"]) for m in smtp_server.messages)
    finally:
        module._running.pop("scheduler").shutdown(wait=True)
        app.config["OUTBOX_SECONDS"] = 30


def test_the_profile_lists_the_notices_each_role_receives(client, sign_in, brookside):  # noqa: F811
    sign_in("head@example.org")
    page = text_of(client.get("/profile"))
    assert "Emails when something happens" in page and "A query on your evidence" in page and "Minutes confirmed" in page
    sign_in("chair@example.org")
    page = text_of(client.get("/profile"))
    assert "Minutes circulated" in page and "A query on your evidence" not in page
