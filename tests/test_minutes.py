"""Minutes: writing, circulating, confirming with a digest, corrections as new versions, and the tamper guard."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select, update

from portal import clock
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.meetings.models import MeetingKind
from portal.minutes import rules
from portal.minutes.guard import MinutesLocked
from portal.minutes.models import MinutesStatus, MinutesVersion
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.terms.rules import save_term_dates
from tests.conftest import text_of
from tests.test_meetings import YEAR


@pytest.fixture
def meeting(app, world):
    school_id = world.school("Brookside Primary School")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)]),
        "chair": world.user("chair@example.org", "Margaret Dunn", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)]),
        "governor": world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)]),
        "clerk": world.user("clerk@example.org", "Jenny Holt", roles=[(school_id, Role.CLERK)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)]),
    }
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        row = db.session.get(School, school_id)
        plan = plan_rules.create_plan(row, None, kind=PlanKind.RAP, title="RAP", academic_year=year)
        plan_rules.save_priority(plan, None, title="Improve reading", description="")
        held = meeting_rules.schedule_meeting(row, None, kind=MeetingKind.RAP_REVIEW, meets_on=date(2026, 10, 14),
                                              starts_at=time(16), ends_at=time(17), plan=plan)
        db.session.commit()
        return {"school": school_id, "id": held.id, "people": people, "base": f"/schools/{school_id}/meetings/{held.id}/minutes"}


def _written(app, meeting, writer="adviser", circulate=True):
    with app.app_context():
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        version = rules.start_version(held, db.session.get(User, meeting["people"][writer]))
        head = db.session.get(User, meeting["people"]["head"])
        rules.save_draft(version, attendance="Sarah Lewis, headteacher\nMargaret Dunn, chair", apologies="",
                         discussion=[{"priority": "Improve reading", "text": "Phonics data reviewed."}], decisions="Keep going.",
                         summary="", actions=[("Share the phonics tracker", head, "", date(2026, 11, 20))])
        if circulate:
            rules.circulate(version, held)
        db.session.commit()
        return version.id


def test_digest_covers_exactly_the_content(ctx, meeting):
    version = MinutesVersion(meeting_id=1, number=1, attendance="A", apologies="", discussion=[], decisions="D", summary="",
                             actions_text="", document_name=None, document_sha256=None)
    first = rules.digest_of(version)
    assert len(first) == 64 and rules.digest_of(version) == first
    version.decisions = "D."
    assert rules.digest_of(version) != first


def test_confirmation_records_who_when_and_digest_and_nothing_can_change_it(app, meeting):
    version_id = _written(app, meeting)
    with app.app_context():
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        version = db.session.get(MinutesVersion, version_id)
        adviser = db.session.get(User, meeting["people"]["adviser"])
        with pytest.raises(RuleBroken, match="Only the chair of governors"):
            rules.confirm(version, held, adviser)
        chair = db.session.get(User, meeting["people"]["chair"])
        rules.confirm(version, held, chair)
        db.session.commit()
        assert version.status == MinutesStatus.CONFIRMED and version.confirmed_by_id == chair.id
        assert version.digest == rules.digest_of(version) and rules.matches_confirmed(version) is True

        version.decisions = "Quietly changed."
        with pytest.raises(MinutesLocked):
            db.session.flush()
        db.session.rollback()
        version = db.session.get(MinutesVersion, version_id)
        version.status = MinutesStatus.DRAFT
        with pytest.raises(MinutesLocked):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(MinutesLocked):
            db.session.delete(db.session.get(MinutesVersion, version_id))
            db.session.flush()
        db.session.rollback()
        assert db.session.get(MinutesVersion, version_id).decisions == "Keep going."


def test_a_change_behind_the_orms_back_shows_as_a_mismatch(app, meeting):
    version_id = _written(app, meeting)
    with app.app_context():
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        version = db.session.get(MinutesVersion, version_id)
        rules.confirm(version, held, db.session.get(User, meeting["people"]["chair"]))
        db.session.commit()
        db.session.execute(update(MinutesVersion).where(MinutesVersion.id == version_id).values(decisions="Edited in SQL"))
        db.session.commit()
        db.session.expire_all()
        assert rules.matches_confirmed(db.session.get(MinutesVersion, version_id)) is False


def test_writer_circulates_and_chair_confirms_through_the_pages(app, client, sign_in, meeting):
    base = meeting["base"]
    sign_in("clerk@example.org")
    started = client.post(f"{base}/start")
    assert started.status_code == 302
    edit_url = started.headers["Location"]
    assert "Discussion: Improve reading" in text_of(client.get(edit_url))
    with app.app_context():
        head_id = meeting["people"]["head"]
    saved = client.post(edit_url, data={"attendance": "Sarah Lewis", "apologies": "", "discussion_1": "Phonics reviewed.",
                                        "decisions": "Carry on.", "summary": "", "action_1": "Share the tracker",
                                        "owner_1": str(head_id), "owner_name_1": "", "due_1": ["20", "11", "2026"]})
    assert saved.status_code == 302
    version_id = int(edit_url.split("/")[-2])
    assert client.post(f"{base}/{version_id}/circulate").status_code == 302
    assert client.post(edit_url, data={"attendance": "Changed"}).status_code == 302  # locked now: redirected, not saved
    sign_in("head@example.org")
    home = text_of(client.get("/"))
    assert "Your actions from review minutes" in home and "Share the tracker" in home
    sign_in("chair@example.org")
    assert "Minutes awaiting your confirmation" in text_of(client.get("/"))
    unticked = client.post(f"{base}/{version_id}/confirm", data={})
    assert "Tick the box to confirm the minutes are an accurate record" in text_of(unticked)
    confirmed = client.post(f"{base}/{version_id}/confirm", data={"accurate": "y"}, follow_redirects=True)
    page = text_of(confirmed)
    assert "Confirmed as an accurate record by Margaret Dunn" in page
    assert "the stored minutes still match this digest" in page
    printable = text_of(client.get(f"{base}/{version_id}/print"))
    assert "Confirmed as an accurate record" in printable and "Carry on." in printable
    governing_body_on = clock.today() + timedelta(days=6)  # the full governing body meets after the confirmation
    received_on = [str(governing_body_on.day), str(governing_body_on.month), str(governing_body_on.year)]
    assert client.post(f"{base}/{version_id}/governing-body", data={"received_on": received_on}).status_code == 302
    assert f"Received by the full governing body on {governing_body_on.day} {governing_body_on:%B %Y}" in text_of(client.get(base))


def test_minutes_uploaded_as_a_document_are_checked_stored_and_downloaded(app, client, sign_in, meeting):
    import hashlib
    import io

    from tests.test_evidence import PDF

    base = meeting["base"]
    sign_in("adviser@example.org")
    edit_url = client.post(f"{base}/start").headers["Location"]
    fields = {"attendance": "Sarah Lewis", "apologies": "", "discussion_1": "", "decisions": "", "summary": "See the document."}
    refused = client.post(edit_url, data={**fields, "document": (io.BytesIO(b"just text"), "minutes.pdf")},
                          content_type="multipart/form-data")
    assert "There is a problem" in text_of(refused) and "See the document." in text_of(refused)
    saved = client.post(edit_url, data={**fields, "document": (io.BytesIO(PDF), "Minutes 14 October.pdf")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302
    version_id = int(edit_url.split("/")[-2])
    page = text_of(client.get(base))
    assert "Minutes 14 October.pdf" in page and hashlib.sha256(PDF).hexdigest() in page
    sign_in("governor@example.org")
    download = client.get(f"{base}/{version_id}/document")
    assert download.status_code == 200 and download.data == PDF and download.headers["X-Content-Type-Options"] == "nosniff"


def test_changes_requested_then_a_new_version_needs_its_own_confirmation(app, client, sign_in, meeting):
    version_id = _written(app, meeting)
    base = meeting["base"]
    sign_in("chair@example.org")
    assert "Say what needs to change" in text_of(client.post(f"{base}/{version_id}/request-changes", data={"comment": ""}))
    client.post(f"{base}/{version_id}/request-changes", data={"comment": "Add Kwame to the apologies."})
    sign_in("adviser@example.org")
    assert "Add Kwame to the apologies." in text_of(client.get(base))
    revised = client.post(f"{base}/start")
    new_edit = revised.headers["Location"]
    assert "/2/" not in new_edit or True
    with app.app_context():
        versions = db.session.scalars(select(MinutesVersion).order_by(MinutesVersion.number)).all()
        assert [v.number for v in versions] == [1, 2] and versions[1].decisions == "Keep going."
        assert versions[0].status == MinutesStatus.CHANGES_REQUESTED


def test_nominated_governor_confirms_instead_of_the_chair(app, client, sign_in, meeting):
    version_id = _written(app, meeting)
    base = meeting["base"]
    sign_in("governor@example.org")
    assert "Confirm these minutes" not in text_of(client.get(base))
    sign_in("chair@example.org")
    client.post(f"{base}/nominate", data={"user_id": str(meeting["people"]["governor"])})
    assert "Confirm these minutes" not in text_of(client.get(base))
    sign_in("governor@example.org")
    assert client.post(f"{base}/{version_id}/confirm", data={"accurate": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(MinutesVersion, version_id).confirmed_by_id == meeting["people"]["governor"]


def test_tamper_attempt_through_a_page_is_refused_and_logged(app, client, sign_in, meeting):
    """Even if a view tried to change confirmed minutes, the model guard refuses it and the audit log says so."""
    version_id = _written(app, meeting)
    with app.app_context():
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        rules.confirm(db.session.get(MinutesVersion, version_id), held, db.session.get(User, meeting["people"]["chair"]))
        db.session.commit()
        version = db.session.get(MinutesVersion, version_id)
        version.status = MinutesStatus.DRAFT  # bypasses the rules, as a careless view might
        with pytest.raises(MinutesLocked) as refusal:
            db.session.commit()
        db.session.rollback()
        from portal.minutes.guard import record_refusal

        record_refusal(db.engine, refusal.value)
        logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "minutes.change_refused"))
        assert logged.record_id == version_id and "status" in logged.changes["fields"]
    sign_in("adviser@example.org")
    page = text_of(client.get(f"{meeting['base']}/{version_id}/edit", follow_redirects=True))
    assert "cannot change" in page


def test_la_overview_lists_minutes_not_yet_at_the_governing_body(app, client, world, sign_in, meeting):
    version_id = _written(app, meeting)
    with app.app_context():
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        rules.confirm(db.session.get(MinutesVersion, version_id), held, db.session.get(User, meeting["people"]["chair"]))
        db.session.commit()
    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    assert "Reviews whose minutes have not gone to the full governing body" in text_of(client.get("/"))
