"""Reminders: the right working day, exactly once, delivered to a real SMTP server."""

import threading
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.meetings.models import ReviewMeeting
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.reminders import outbox
from portal.reminders.models import MessageStatus, OutboxMessage
from portal.clock import LONDON
from portal.reminders.scan import preview, scan
from portal.reminders.scheduler import run_once
from portal.schools.models import Role, School
from portal.terms.rules import add_closure_day, save_term_dates
from tests.conftest import free_port, text_of
from portal.working_days import is_working_day
from tests.test_meetings import YEAR

MEETING_DAY = date(2027, 1, 20)  # Wednesday; the walk crosses Christmas, Boxing Day (observed 28 Dec) and New Year


@pytest.fixture
def review(app, world):
    school_id = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("chair@example.org", "Margaret Dunn", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)])
    world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        row = db.session.get(School, school_id)
        plan = plan_rules.create_plan(row, None, kind=PlanKind.RAP, title="RAP", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Reading", description="")
        plan_rules.save_criterion(priority, None, description="85% reach the expected standard", milestones={})
        meeting = meeting_rules.schedule_meeting(row, None, kind="rap_review", meets_on=MEETING_DAY,
                                                 starts_at=time(16), ends_at=time(17), place="School library", plan=plan)
        db.session.commit()
        return {"school": school_id, "meeting": meeting.id}


def _walk(app, travel, first, last, *, down=()):
    """Run the scheduler's job at 08:00 every day from first to last, as the clock moves (except on the days
    in ``down``, when the portal was not running); returns {day: [(kind, recipient, subject)]} sent that day."""
    sent = defaultdict(list)
    day = first
    while day <= last:
        if day not in down:
            travel(datetime.combine(day, time(8), tzinfo=LONDON))
            with app.app_context():
                before = set(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.SENT)))
            run_once(app)
            with app.app_context():
                for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.SENT)):
                    if message.id not in before:
                        sent[day].append((message.kind, message.recipient_email, message.subject))
        day += timedelta(days=1)
    return sent


def test_a_half_term_day_by_day_sends_each_reminder_on_its_working_day_once(app, review, smtp_server, travel):
    sent = _walk(app, travel, date(2026, 12, 14), date(2027, 2, 12))
    assert all(is_working_day(day) for day in sent)
    by_kind = defaultdict(list)
    for day, messages in sent.items():
        for kind, recipient, subject in messages:
            by_kind[(kind, recipient)].append((day, subject))
    # Evidence due 13 January (5 working days before 20 January).
    assert [d for d, _ in by_kind[("evidence", "head@example.org")]] == [date(2027, 1, 6), date(2027, 1, 12), date(2027, 1, 14)]
    assert "Overdue" in by_kind[("evidence", "head@example.org")][2][1]
    # Agenda due 6 January: 2 working days before is 4 January (1 January is a bank holiday), overdue the 7th.
    assert [d for d, _ in by_kind[("agenda", "adviser@example.org")]] == [date(2027, 1, 4), date(2027, 1, 7)]
    # Meeting coming up: 2 working days before, to every member.
    for member in ("head@example.org", "chair@example.org", "adviser@example.org"):
        assert [d for d, _ in by_kind[("meeting", member)]] == [date(2027, 1, 18)]
    # Minutes due 3 February (10 working days after): 3 working days before, then overdue.
    assert [d for d, _ in by_kind[("minutes", "adviser@example.org")]] == [date(2027, 1, 29), date(2027, 2, 4)]
    assert len(smtp_server.messages) == sum(len(m) for m in sent.values())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(smtp_server.messages)


def test_emails_have_text_html_the_link_and_the_invitation(app, review, smtp_server):
    with app.app_context():
        scan(today=date(2027, 1, 18))
        outbox.deliver_due()
    invitation = next(m for m in smtp_server.messages if m["To"] == "chair@example.org")
    assert str(invitation["Subject"]).strip() == "Coming up on 20 January 2027: Brookside Primary School's RAP review meeting"
    text = invitation.get_body(preferencelist=("plain",)).get_content()
    html = invitation.get_body(preferencelist=("html",)).get_content()
    assert "20 January 2027 at 16:00, School library" in text and f"/meetings/{review['meeting']}" in text
    assert "<a href=" in html
    attachment = next(part for part in invitation.iter_attachments())
    content = attachment.get_content()
    assert attachment.get_filename() == "review-meeting.ics" and "BEGIN:VEVENT" in (content.decode() if isinstance(content, bytes) else content)


def test_two_scanners_at_once_queue_each_reminder_once(app, review):
    errors = []

    def scanner():
        try:
            with app.app_context():
                scan(today=date(2027, 1, 18))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=scanner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        keys = db.session.scalars(select(OutboxMessage.key)).all()
        assert len(keys) == len(set(keys)) and len(keys) >= 3


def test_smtp_down_then_up_delivers_everything_once(app, review):
    from aiosmtpd.controller import Controller

    from tests.conftest import _Inbox

    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=2)
    try:
        with app.app_context():
            scan(today=date(2027, 1, 18))
            queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
            failed = outbox.deliver_due()
            assert failed["failed"] == queued and failed["sent"] == 0
            waiting = db.session.scalars(select(OutboxMessage)).all()
            assert all(m.status == MessageStatus.QUEUED and m.attempts == 1 and "Error" in m.last_error for m in waiting)
        inbox = _Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            with app.app_context():
                later = datetime.now(timezone.utc) + timedelta(hours=1)
                assert outbox.deliver_due(now=later)["sent"] == queued
                assert outbox.deliver_due(now=later + timedelta(hours=1))["sent"] == 0
        finally:
            controller.stop()
        assert len(inbox.messages) == queued
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25, SMTP_TIMEOUT=10)


def test_moving_the_meeting_cancels_queued_reminders_and_evidence_cancels_its_own(app, review):
    from portal.evidence import rules as evidence_rules

    with app.app_context():
        scan(today=date(2027, 1, 18))
        meeting = db.session.get(ReviewMeeting, review["meeting"])
        meeting_rules.reschedule(meeting, None, meets_on=date(2027, 1, 27), starts_at=time(16), ends_at=time(17), reason="Snow")
        db.session.commit()
        result = scan(today=date(2027, 1, 18))
        cancelled = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.CANCELLED)).all()
        assert {m.kind for m in cancelled} == {"meeting", "evidence", "agenda"} and result["cancelled"] == len(cancelled)
        queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED)).all()
        assert any(m.kind == "evidence" and "20 January 2027" in m.subject for m in queued)  # the new date's deadline
        evidence_rules.submit(db.session.get(School, review["school"]), None, meeting=meeting, title="Book looks",
                              narrative="x", criteria=meeting.plan.success_criteria, files=[], today=date(2027, 1, 18))
        db.session.commit()
        scan(today=date(2027, 1, 18))
        still_queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED)).all()
        assert not any(m.kind == "evidence" for m in still_queued)


def test_reminders_before_seven_belong_to_the_day_before(app, review):
    with app.app_context():
        early = datetime(2027, 1, 18, 6, 30, tzinfo=timezone.utc)  # 06:30 in London in January
        assert scan(now=early)["day"] == date(2027, 1, 17)
        assert scan(now=early + timedelta(hours=1))["day"] == date(2027, 1, 18)


def test_preview_writes_nothing(app, review):
    with app.app_context():
        found = preview(date(2027, 1, 18))
        # Three meeting reminders, plus the overdue evidence and agenda ones a portal that was down catches up on.
        assert sorted(r.kind for r in found) == ["agenda", "evidence", "meeting", "meeting", "meeting"]
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    result = app.test_cli_runner().invoke(args=["reminders", "preview", "--date", "2027-01-18"])
    assert result.exit_code == 0 and "5 reminders would be queued" in result.output


def test_without_smtp_messages_become_eml_files_listed_on_the_outbox(app, client, world, sign_in, review, tmp_path):
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    with app.app_context():
        scan(today=date(2027, 1, 18))
        outbox.deliver_due()
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 5 and any(b"Coming up on 20 January 2027" in f.read_bytes() for f in files)
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    page = text_of(client.get("/admin/outbox"))
    assert "5 messages" in page and ".eml" in page


def test_failed_message_can_be_retried_by_the_la_admin(app, client, world, sign_in, review, smtp_server):
    with app.app_context():
        scan(today=date(2027, 1, 18))
        message = db.session.scalar(select(OutboxMessage).limit(1))
        message.status, message.last_error = MessageStatus.FAILED, "SMTPServerDisconnected: gone"
        db.session.commit()
        message_id = message.id
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    page = text_of(client.get("/admin/outbox?status=failed"))
    assert "SMTPServerDisconnected: gone" in page
    assert client.post(f"/admin/outbox/{message_id}/retry").status_code == 302
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == MessageStatus.SENT


def test_profile_lists_the_reminders_a_person_receives(client, sign_in, review):
    sign_in("chair@example.org")
    page = text_of(client.get("/profile"))
    assert "Meeting coming up" in page and "Minutes awaiting your confirmation" in page and "Evidence due" not in page


def test_cli_run_scans_and_delivers_now(app, review, tmp_path):
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    result = app.test_cli_runner().invoke(args=["reminders", "run"])
    assert result.exit_code == 0 and "queued" in result.output and "sent" in result.output


def test_the_scheduler_has_one_scan_job_and_one_delivery_job_that_survive_delays(app):
    from portal.reminders.scheduler import start_in_background

    scheduler = start_in_background(app)
    assert start_in_background(app) is scheduler  # one per process, however often the app is built
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"reminders", "outbox"}
        assert jobs["reminders"].trigger.interval.total_seconds() == app.config["SCHEDULER_MINUTES"] * 60
        assert jobs["outbox"].trigger.interval.total_seconds() == app.config["OUTBOX_SECONDS"] <= 60
        assert all(job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time >= 600 for job in jobs.values())
    finally:
        scheduler.shutdown(wait=True)
        from portal.reminders import scheduler as module

        module._running.clear()


def test_minutes_awaiting_confirmation_three_working_days_after_then_weekly(app, review, smtp_server, travel):
    from portal.minutes.models import MinutesStatus, MinutesVersion

    with app.app_context():
        meeting = db.session.get(ReviewMeeting, review["meeting"])
        db.session.add(MinutesVersion(meeting_id=meeting.id, school_id=meeting.school_id, number=1, attendance="All",
                                      decisions="Agreed", status=MinutesStatus.CIRCULATED,
                                      circulated_at=datetime(2027, 1, 21, 10, tzinfo=timezone.utc)))  # a Thursday
        db.session.commit()
    sent = _walk(app, travel, date(2027, 1, 21), date(2027, 2, 12))
    days = [day for day, messages in sent.items() for kind, to, _ in messages if kind == "confirm" and to == "chair@example.org"]
    assert days == [date(2027, 1, 26), date(2027, 2, 2), date(2027, 2, 9)]


def test_verification_due_ten_working_days_before_the_half_term_ends(app, review, smtp_server, travel):
    from portal.plans.models import Plan, PlanStatus

    with app.app_context():
        plan = db.session.scalar(select(Plan))
        plan.status = PlanStatus.AGREED
        db.session.commit()
    sent = _walk(app, travel, date(2027, 1, 25), date(2027, 2, 12))  # Spring 1 ends 12 February 2027
    days = [day for day, messages in sent.items() for kind, to, _ in messages if kind == "verification"]
    assert days == [date(2027, 1, 29)]


def test_a_message_interrupted_mid_send_is_never_resent_blindly(app, review):
    with app.app_context():
        scan(today=date(2027, 1, 18))
        message = db.session.scalar(select(OutboxMessage).limit(1))
        message.status = MessageStatus.SENDING
        db.session.commit()
        outbox.deliver_due(now=datetime.now(timezone.utc) + timedelta(hours=1))
        db.session.refresh(message)
        assert message.status == MessageStatus.FAILED and "Interrupted while sending" in message.last_error


@pytest.fixture
def christmas_review(app, review):
    """The review moved to Monday 11 January 2027: its agenda is due Wednesday 23 December, so the overdue
    reminder falls on Thursday 24 December, the last working day before Christmas Day and Boxing Day (28th)."""
    with app.app_context():
        meeting = db.session.get(ReviewMeeting, review["meeting"])
        meeting_rules.reschedule(meeting, None, meets_on=date(2027, 1, 11), starts_at=time(16), ends_at=time(17), reason="Earlier")
        db.session.commit()
    return review


def test_a_reminder_missed_before_the_bank_holidays_goes_out_on_the_next_working_day_once(app, christmas_review, smtp_server,
                                                                                        travel):
    """The portal was down on 24 December: nothing goes on Christmas Day, the weekend or Boxing Day (observed 28th);
    the overdue agenda reminder goes on Tuesday 29 December, once."""
    sent = _walk(app, travel, date(2026, 12, 21), date(2027, 1, 8), down={date(2026, 12, 24)})
    assert all(is_working_day(day) for day in sent), sorted(sent)
    for day_off in (date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27), date(2026, 12, 28)):
        assert day_off not in sent
    agenda = [(day, subject) for day, messages in sent.items() for kind, _, subject in messages if kind == "agenda"]
    assert [day for day, _ in agenda] == [date(2026, 12, 21), date(2026, 12, 29)]
    assert "Overdue" in agenda[1][1]
    assert len(smtp_server.messages) == sum(len(m) for m in sent.values())
    with app.app_context():  # each reminder once: one outbox row per key, each sent once
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(smtp_server.messages)


def test_a_scan_on_a_closure_day_queues_nothing_and_the_next_working_day_catches_up(app, christmas_review, travel):
    with app.app_context():
        add_closure_day(date(2026, 12, 21), "Staff training day")
        db.session.commit()
        assert scan(today=date(2026, 12, 21)) == {"queued": 0, "cancelled": 0, "day": date(2026, 12, 21), "working_day": False}
        caught_up = scan(today=date(2026, 12, 22))
        assert caught_up["working_day"] and caught_up["queued"] >= 1


def test_queued_counts_are_true_on_every_database(app, review, tmp_path, travel):
    """A second scan of the same day queues nothing, and says so (PostgreSQL once reported every row again)."""
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    with app.app_context():
        first = scan(today=date(2027, 1, 18))
        assert first["queued"] == db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 5
        assert scan(today=date(2027, 1, 18))["queued"] == 0
        values = dict(kind="meeting", recipient_email="x@example.org", subject="s", text_body="t", html_body="h")
        assert outbox.queue(key="test:once", **values) is True
        assert outbox.queue(key="test:once", **values) is False
        db.session.commit()
    travel(datetime.combine(date(2027, 1, 18), time(9), tzinfo=LONDON))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reminders", "run"]).output.startswith("0 queued")
    assert runner.invoke(args=["reminders", "run"]).output.startswith("0 queued, 0 cancelled; 0 sent")


def test_the_keys_worked_out_from_rows_are_the_keys_of_the_reminders_built(app, world, review):
    """A repeat scan compares keys made from plain rows with the outbox before it builds anything: they must be the
    keys the reminders themselves carry, for every kind and stage, on every day around a meeting."""
    from portal.reminders import scan as scanning
    from portal.terms.rules import closure_days, deadline_settings

    world.user("old.adviser@example.org", roles=[(review["school"], Role.ADVISER)], active=False)
    world.user("deputy@example.org", roles=[(review["school"], Role.SENIOR_LEADER)])
    seen = set()
    with app.app_context(), scanning.with_public_urls():
        for offset in range(-25, 100, 2):
            today = MEETING_DAY + timedelta(days=offset)
            settings, closures = deadline_settings(), closure_days()
            due = scanning._meetings_due(today, settings, closures)
            built = {r.key for batch in scanning._meeting_batches(due, due, settings) for r in batch}
            from_rows = set().union(*scanning._meeting_keys(due).values()) if due else set()
            assert built == from_rows, today
            seen |= built
    assert {key.split(":")[0] for key in seen} == {"evidence", "agenda", "meeting", "minutes"}
    assert not [key for key in seen if "old.adviser" in key] and [key for key in seen if "deputy@" in key]
