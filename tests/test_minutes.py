"""Minutes: writing, circulating, confirming with a digest, corrections as new versions, and the tamper guard."""

import hashlib
import os
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, select, update

from portal import clock
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.minutes import rules
from portal.minutes.guard import MinutesLocked
from portal.minutes.models import MinutesAction, MinutesStatus, MinutesVersion
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
        held = meeting_rules.schedule_meeting(row, None, kind="rap_review", meets_on=date(2026, 10, 14),
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


def test_a_confirmed_correction_takes_the_place_of_the_version_it_corrects_on_the_la_list(app, meeting):
    """Only each meeting's latest confirmed version waits for the governing body: a confirmed correction replaces
    the first on the list (counted once), and once it is recorded as received the meeting leaves the list."""
    first_id = _written(app, meeting)
    with app.app_context():
        chair = db.session.get(User, meeting["people"]["chair"])
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        rules.confirm(db.session.get(MinutesVersion, first_id), held, chair)
        db.session.commit()
        assert [(v.id, v.number) for v in rules.reviews_without_governing_body_date()[0]] == [(first_id, 1)]
        correction = rules.start_version(held, db.session.get(User, meeting["people"]["adviser"]))
        rules.circulate(correction, held)
        rules.confirm(correction, held, chair)
        db.session.commit()
        listed, total = rules.reviews_without_governing_body_date()
        assert [(v.id, v.number) for v in listed] == [(correction.id, 2)] and total == 1
        rules.record_governing_body(correction, chair, clock.today())
        db.session.commit()
        assert rules.reviews_without_governing_body_date() == ([], 0)


# --- Everything shown as confirmed is inside the digest; the attached file is checked against its SHA-256 ---

FIRST_FORM_DIGEST = "f434dd62ab861d65ff34d36af28c287a4c38e800a53a486a2281ec36cb247ea3"  # made by the portal before form 2


def test_the_first_canonical_form_is_kept_byte_for_byte(ctx):
    """Minutes confirmed before the action rows were covered must keep verifying: form 1 never changes."""
    version = MinutesVersion(meeting_id=7, number=1, attendance="Sarah Lewis, headteacher", apologies="Kwame Mensah",
                             discussion=[{"priority": "Improve reading", "text": "Phonics data reviewed."}],
                             decisions="Keep going.", summary="", document_name="Minutes.pdf", document_sha256="a" * 64,
                             actions_text="Share the phonics tracker (Sarah Lewis, by 2026-11-20)", canonical_form=1)
    assert rules.digest_of(version) == FIRST_FORM_DIGEST
    assert rules.digest_of(version, 2) != FIRST_FORM_DIGEST and set(rules.CANONICAL_FORMS) == {1, 2}


def test_the_current_canonical_form_covers_each_action_row_in_order(ctx):
    version = MinutesVersion(meeting_id=7, number=1, attendance="A", apologies="", discussion=[], decisions="D", summary="",
                             actions_text="", document_name=None, document_sha256=None)
    version.actions = [MinutesAction(description="Share the tracker", owner_name="Sarah Lewis", due_on=date(2026, 11, 20)),
                       MinutesAction(description="Book the hall", owner_name="Jenny Holt", due_on=None)]
    first = rules.digest_of(version, rules.CURRENT_CANONICAL_FORM)
    for change in (lambda: setattr(version.actions[0], "description", "Share the tracker (maybe)"),
                   lambda: setattr(version.actions[0], "owner_name", "Priya Shah"),
                   lambda: setattr(version.actions[1], "due_on", date(2027, 1, 8)),
                   lambda: version.actions.reverse()):
        change()
        assert rules.digest_of(version, rules.CURRENT_CANONICAL_FORM) != first
        first = rules.digest_of(version, rules.CURRENT_CANONICAL_FORM)


def _with_document(app, meeting, *, confirm=True):
    """Circulated (and unless told not to, confirmed) minutes with a PDF attached; returns (version id, the PDF's path)."""
    import io

    from portal.evidence.storage import storage_for
    from tests.test_evidence import PDF

    version_id = _written(app, meeting, circulate=False)
    with app.app_context():
        stored = storage_for(app.config).save(io.BytesIO(PDF), max_bytes=10_000, display_name="Minutes.pdf")
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        version = db.session.get(MinutesVersion, version_id)
        version.document_name, version.document_key, version.document_sha256 = "Minutes.pdf", stored.key, stored.sha256
        rules.circulate(version, held)
        db.session.commit()
        if confirm:
            rules.confirm(version, held, db.session.get(User, meeting["people"]["chair"]))
            db.session.commit()
            assert version.canonical_form == rules.CURRENT_CANONICAL_FORM
        return version_id, f"{app.config['UPLOAD_FOLDER']}/{stored.key}"


def _confirmed_with_document(app, meeting):
    return _with_document(app, meeting)


def _sql(app, statement):
    """Plain SQL on a connection of its own, as someone with database access would: the portal's session (and so
    its data stamp, portal/data_stamp.py) never sees it, and a page served from memory must still show it."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(statement)


def _swap_file(path, content=b"%PDF-1.4\n% not the minutes that were confirmed\n%%EOF\n"):
    with open(path, "wb") as stored:
        stored.write(content)


def _version_set(**values):
    return lambda app, version_id, path: _sql(app, update(MinutesVersion).where(MinutesVersion.id == version_id).values(**values))


def _actions_set(**values):
    return lambda app, version_id, path: _sql(app, update(MinutesAction).where(MinutesAction.version_id == version_id)
                                              .values(**values))


# Each part of what the pages show as confirmed, changed behind the portal's back.
TAMPERING = {
    "decisions": _version_set(decisions="Stop."),
    "attendance": _version_set(attendance="Nobody"),
    "actions_text": _version_set(actions_text=""),
    "action wording": _actions_set(description="Share the tracker when convenient"),
    "action owner": _actions_set(owner_name="Priya Shah"),
    "action due date": _actions_set(due_on=date(2027, 3, 31)),
    "action deleted": lambda app, version_id, path: _sql(app, delete(MinutesAction).where(MinutesAction.version_id == version_id)),
    "document bytes": lambda app, version_id, path: _swap_file(path),
}


@pytest.mark.parametrize("part", TAMPERING)
def test_a_change_behind_the_portals_back_shows_on_the_page_and_the_print_view(app, client, sign_in, meeting, part):
    version_id, path = _confirmed_with_document(app, meeting)
    base = meeting["base"]
    sign_in("governor@example.org")
    assert "the stored minutes still match this digest" in text_of(client.get(base))
    assert "the stored minutes still match this digest" in text_of(client.get(f"{base}/{version_id}/print"))
    TAMPERING[part](app, version_id, path)
    for url in (base, f"{base}/{version_id}/print"):
        page = text_of(client.get(url))
        assert "Warning: the stored minutes no longer match the digest confirmed." in page, url
        assert "still match this digest" not in page
    with app.app_context():
        logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "minutes.mismatch_found")).all()
        assert logged and all(event.record_id == version_id for event in logged)


def test_a_swapped_document_is_never_served_and_the_refusal_is_logged(app, client, sign_in, meeting):
    from tests.test_evidence import PDF

    version_id, path = _confirmed_with_document(app, meeting)
    base = meeting["base"]
    sign_in("governor@example.org")
    assert client.get(f"{base}/{version_id}/document").data == PDF
    swapped = b"%PDF-1.4\n% a different document\n%%EOF\n"
    _swap_file(path, swapped)

    page = text_of(client.get(base))
    assert "the stored file no longer matches the SHA-256 recorded when it was attached" in page
    assert "The attached document is not the one confirmed." in page
    client.get(base)  # looking again records nothing new
    download = client.get(f"{base}/{version_id}/document")
    assert download.status_code == 409 and swapped not in download.data
    assert "This document cannot be downloaded" in text_of(download)
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "minutes.mismatch_found")).all()
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "minutes.document_refused")).all()
        assert len(found) == 1 and found[0].changes["document_matches"] is False
        assert found[0].changes["document_sha256_found"] == hashlib.sha256(swapped).hexdigest()
        assert len(refused) == 1 and refused[0].record_id == version_id and refused[0].actor == "governor@example.org"


def test_a_missing_document_shows_as_not_matching(app, client, sign_in, meeting):
    version_id, path = _confirmed_with_document(app, meeting)
    os.remove(path)
    sign_in("chair@example.org")
    assert "Warning: the stored minutes no longer match" in text_of(client.get(meeting["base"]))
    assert client.get(f"{meeting['base']}/{version_id}/document").status_code == 409


def test_a_confirmation_made_with_the_first_canonical_form_still_verifies(app, client, sign_in, meeting):
    """As a row confirmed before this change looks after the migration: form 1 and a form 1 digest."""
    version_id, _ = _confirmed_with_document(app, meeting)
    with app.app_context():
        version = db.session.get(MinutesVersion, version_id)
        first_form_digest = rules.digest_of(version, 1)
    _sql(app, update(MinutesVersion).where(MinutesVersion.id == version_id).values(canonical_form=1, digest=first_form_digest))
    sign_in("chair@example.org")
    page = text_of(client.get(meeting["base"]))
    assert "Checked now: the stored minutes still match this digest." in page and first_form_digest in page
    assert "Actions as confirmed Share the phonics tracker (Sarah Lewis, by 2026-11-20)" in page
    assert "it covers the actions as written above" in page
    _sql(app, update(MinutesVersion).where(MinutesVersion.id == version_id).values(decisions="Stop."))
    assert "Warning: the stored minutes no longer match the digest confirmed." in text_of(client.get(meeting["base"]))


@pytest.mark.parametrize("status", ["circulated", "confirmed"])
def test_the_guard_refuses_changes_to_the_actions_of_locked_minutes(app, meeting, status):
    version_id = _written(app, meeting)
    with app.app_context():
        if status == "confirmed":
            held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
            rules.confirm(db.session.get(MinutesVersion, version_id), held, db.session.get(User, meeting["people"]["chair"]))
            db.session.commit()
        changes = {
            "description": lambda a: setattr(a, "description", "Share the tracker later"),
            "owner_name": lambda a: setattr(a, "owner_name", "Priya Shah"),
            "owner_id": lambda a: setattr(a, "owner_id", meeting["people"]["adviser"]),
            "due_on": lambda a: setattr(a, "due_on", date(2027, 3, 31)),
            "deleted": lambda a: db.session.delete(a),
            "added": lambda a: a.version.actions.append(MinutesAction(school_id=a.school_id, description="New")),
        }
        for name, change in changes.items():
            action = db.session.scalar(select(MinutesAction).where(MinutesAction.version_id == version_id))
            change(action)
            with pytest.raises(MinutesLocked) as refusal:
                db.session.flush()
            assert refusal.value.version_id == version_id and any(name in field for field in refusal.value.fields)
            db.session.rollback()
        action = db.session.scalar(select(MinutesAction).where(MinutesAction.version_id == version_id))
        rules.mark_action_done(action, db.session.get(User, meeting["people"]["head"]))
        db.session.commit()  # marking an action done is still allowed
        assert action.done_at is not None and action.description == "Share the phonics tracker"
        if status == "confirmed":
            assert rules.matches_confirmed(db.session.get(MinutesVersion, version_id)) is True


def test_the_actions_of_a_draft_can_still_change(app, meeting):
    version_id = _written(app, meeting, circulate=False)
    with app.app_context():
        action = db.session.scalar(select(MinutesAction).where(MinutesAction.version_id == version_id))
        action.description, action.due_on = "Share the tracker with governors", date(2026, 12, 4)
        db.session.commit()
        db.session.delete(action)
        db.session.commit()


# --- Circulating from the edit page keeps what was typed ---

def _typed(head_id, **changes):
    fields = {"attendance": "Sarah Lewis, headteacher\nMargaret Dunn, chair", "apologies": "Kwame Mensah",
              "discussion_1": "Phonics screening results reviewed.", "decisions": "Keep the catch-up groups.", "summary": "",
              "action_1": "Share the phonics tracker", "owner_1": str(head_id), "owner_name_1": "", "due_1": ["4", "12", "2026"]}
    return {**fields, **changes}


def test_circulating_without_saving_first_keeps_what_was_typed_and_asks_for_a_check(app, client, sign_in, meeting):
    base = meeting["base"]
    sign_in("adviser@example.org")
    edit_url = client.post(f"{base}/start").headers["Location"]
    version_id = int(edit_url.split("/")[-2])
    typed = _typed(meeting["people"]["head"], circulate="y")

    check = client.post(edit_url, data=typed)
    assert check.status_code == 302 and check.headers["Location"].endswith(f"/{version_id}/circulate")
    page = text_of(client.get(check.headers["Location"]))
    assert "Check the minutes before you circulate them" in page
    assert "Phonics screening results reviewed." in page and "Share the phonics tracker" in page and "Kwame Mensah" in page
    with app.app_context():
        assert db.session.get(MinutesVersion, version_id).status == MinutesStatus.DRAFT  # not circulated until confirmed

    done = client.post(f"{base}/{version_id}/circulate", follow_redirects=True)
    assert "Minutes circulated" in text_of(done)
    with app.app_context():
        version = db.session.get(MinutesVersion, version_id)
        assert version.status == MinutesStatus.CIRCULATED and version.decisions == "Keep the catch-up groups."
        assert version.attendance == "Sarah Lewis, headteacher\nMargaret Dunn, chair"
        assert [(a.description, a.due_on) for a in version.actions] == [("Share the phonics tracker", date(2026, 12, 4))]


def test_circulating_with_something_missing_shows_the_problem_with_everything_still_typed(app, client, sign_in, meeting):
    base = meeting["base"]
    sign_in("clerk@example.org")
    edit_url = client.post(f"{base}/start").headers["Location"]
    version_id = int(edit_url.split("/")[-2])
    typed = _typed(meeting["people"]["head"], discussion_1="", decisions="", circulate="y")

    refused = client.post(edit_url, data=typed)
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "There is a problem" in text_of(refused) and 'href="#decisions"' in html
    assert "Write the discussion, decisions or a summary before circulating" in text_of(refused)
    assert "Record who attended" not in text_of(refused)  # attendance was filled in
    assert "Sarah Lewis, headteacher\nMargaret Dunn, chair</textarea>" in html and 'value="Share the phonics tracker"' in html
    assert "Kwame Mensah</textarea>" in html and 'value="4"' in html
    with app.app_context():  # what was typed is kept as the draft too
        version = db.session.get(MinutesVersion, version_id)
        assert version.status == MinutesStatus.DRAFT and version.apologies == "Kwame Mensah"

    invalid = client.post(edit_url, data={**typed, "decisions": "Agreed.", "due_1": ["31", "2", "2027"]})
    assert invalid.status_code == 200 and "There is a problem" in text_of(invalid)
    assert "Agreed.</textarea>" in invalid.get_data(as_text=True)


def test_the_check_page_sends_a_draft_that_is_not_ready_back_to_the_form(app, client, sign_in, meeting):
    base = meeting["base"]
    sign_in("adviser@example.org")
    edit_url = client.post(f"{base}/start").headers["Location"]
    version_id = int(edit_url.split("/")[-2])
    back = client.get(f"{base}/{version_id}/circulate", follow_redirects=True)
    assert "Record who attended, or attach the minutes document, before circulating" in text_of(back)
    with app.app_context():
        assert db.session.get(MinutesVersion, version_id).status == MinutesStatus.DRAFT


def test_minutes_whose_document_was_swapped_before_confirmation_cannot_be_confirmed(app, client, sign_in, meeting):
    version_id, path = _with_document(app, meeting, confirm=False)
    _swap_file(path)
    sign_in("chair@example.org")
    refused = client.post(f"{meeting['base']}/{version_id}/confirm", data={"accurate": "y"}, follow_redirects=True)
    assert "cannot be confirmed: ask for changes instead" in text_of(refused)
    with app.app_context():
        assert db.session.get(MinutesVersion, version_id).status == MinutesStatus.CIRCULATED


def test_the_minutes_page_served_from_memory_still_checks_every_view(app, client, sign_in, meeting):
    """Served again while nothing changed, but never without checking the record and the document anew."""
    version_id, path = _confirmed_with_document(app, meeting)
    pages = app.extensions["page_cache"]
    pages.clear()
    sign_in("governor@example.org")
    client.get(meeting["base"])
    served = pages.served
    assert "the stored minutes still match this digest" in text_of(client.get(meeting["base"]))
    assert pages.served == served + 1
    TAMPERING["decisions"](app, version_id, path)  # plain SQL: the data stamp is unchanged
    assert "no longer match the digest confirmed" in text_of(client.get(meeting["base"]))
    assert pages.served == served + 1
