"""Minutes rules: write, circulate, confirm (with a digest of exactly what was confirmed) or ask for changes,
correct by a new version, record the full governing body date, and track actions."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.first_few import first_with_total
from portal.per_request import per_request
from portal import clock
from portal.minutes.models import ConfirmerNomination, MinutesAction, MinutesStatus, MinutesVersion
from portal.schools.models import Role, SchoolRole
from portal.clock import as_london


def versions_of(meeting):
    return db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
        .options(selectinload(MinutesVersion.actions), selectinload(MinutesVersion.confirmed_by),
                 selectinload(MinutesVersion.written_by))
        .order_by(MinutesVersion.number)
    ).all()


def latest_version(school_id, meeting_id):
    """The meeting's latest minutes version with its actions (all its digest covers), or None: one statement, as the
    minutes page asks on every view, even one served from memory."""
    return db.session.execute(
        select(MinutesVersion).where(MinutesVersion.meeting_id == meeting_id, MinutesVersion.school_id == school_id)
        .options(joinedload(MinutesVersion.actions)).order_by(MinutesVersion.number.desc()).limit(1)
    ).unique().scalar_one_or_none()


def _canonical_form_1(version) -> dict:
    """The first form (until December 2026): the text fields, the actions as written, the document's SHA-256.

    Never change it: minutes confirmed with it must keep verifying."""
    return {
        "meeting": version.meeting_id, "version": version.number, "attendance": version.attendance,
        "apologies": version.apologies, "discussion": version.discussion or [], "decisions": version.decisions,
        "actions": version.actions_text, "summary": version.summary, "document": version.document_name,
        "document_sha256": version.document_sha256,
    }


def _canonical_form_2(version) -> dict:
    """The first form, plus each action row as the pages show it (wording, owner, due date), in order."""
    return {
        **_canonical_form_1(version), "form": 2,
        "action_rows": [{"description": a.description, "owner": a.owner_name,
                         "due_on": a.due_on.isoformat() if a.due_on else None} for a in version.actions],
    }


# Which function builds each canonical form; a confirmation records the form it used (MinutesVersion.canonical_form).
CANONICAL_FORMS = {1: _canonical_form_1, 2: _canonical_form_2}
CURRENT_CANONICAL_FORM = 2


def canonical_content(version, form=None) -> bytes:
    """Exactly what a confirmation covers, as bytes, in the canonical form ``form`` (default: the one the version
    records)."""
    content = CANONICAL_FORMS[form or version.canonical_form or 1](version)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest_of(version, form=None) -> str:
    return hashlib.sha256(canonical_content(version, form)).hexdigest()


def matches_confirmed(version) -> bool | None:
    """Recompute the digest from what is stored now; None if the version was never confirmed.

    This covers the stored record only; whether the attached file itself is unchanged is ``check_record``'s job."""
    if version.digest is None:
        return None
    return digest_of(version) == version.digest


@dataclass(frozen=True)
class RecordCheck:
    """What the pages say about one version, checked now.

    ``digest_matches``: None if never confirmed. ``document_matches``: None if no document is attached;
    False if the stored file is missing or its bytes no longer have the SHA-256 recorded when it was attached."""

    digest_matches: bool | None
    document_matches: bool | None
    found_document_sha256: str | None = None
    # When the document was removed under the LA's retention rules (then it is not compared: it is known gone).
    document_removed_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return self.digest_matches is not False and self.document_matches is not False

    @property
    def trusted(self) -> bool:
        """Confirmed, and everything shown as confirmed is still exactly what was confirmed."""
        return self.digest_matches is True and self.document_matches is not False


def check_record(version, stored_document_sha256, *, removed_at=None) -> RecordCheck:
    """Compare the stored minutes with their digest, and the stored file with its recorded SHA-256.

    ``stored_document_sha256``: the SHA-256 of the file in storage now (None when it is missing); ignored when
    no document is attached. ``removed_at``: when the document was removed under retention, if it was: a file
    removed on purpose, and recorded as such, is not a mismatch."""
    document_matches = None
    if version.document_key and removed_at is None:
        document_matches = stored_document_sha256 is not None and stored_document_sha256 == version.document_sha256
    return RecordCheck(matches_confirmed(version), document_matches,
                       stored_document_sha256 if version.document_key else None,
                       removed_at if version.document_key else None)


def confirmer_for(meeting):
    """Who may confirm: the chair of governors, or the governor the chair nominated for this meeting."""
    return list(_confirmers(meeting.id, meeting.school_id))


@per_request(ConfirmerNomination, SchoolRole)
def _confirmers(meeting_id, school_id) -> tuple:
    """The nominated governor if there is one, else the chairs: one statement, asked once a request."""
    nominated = select(ConfirmerNomination.user_id, literal(True).label("nominated")).where(
        ConfirmerNomination.meeting_id == meeting_id)
    chairs = select(SchoolRole.user_id, literal(False).label("nominated")).where(
        SchoolRole.school_id == school_id, SchoolRole.role == Role.CHAIR_OF_GOVERNORS)
    rows = db.session.execute(nominated.union_all(chairs)).all()
    chosen = [user_id for user_id, is_nominee in rows if is_nominee]
    return tuple(chosen or [user_id for user_id, _ in rows])


def may_confirm(user, meeting, version):
    return (user.id in confirmer_for(meeting) and version.written_by_id != user.id)


def start_version(meeting, user, *, copy_from=None):
    """A new draft: the first minutes, or a correction copying the latest version's content."""
    if meeting.is_cancelled:
        raise RuleBroken("This meeting was cancelled: it has no minutes")
    if clock.today() < meeting.meets_on:
        raise RuleBroken("Minutes can be written from the day of the meeting")
    existing = versions_of(meeting)
    if existing and existing[-1].status == MinutesStatus.DRAFT:
        return existing[-1]
    if existing and existing[-1].status == MinutesStatus.CIRCULATED:
        raise RuleBroken("These minutes are awaiting confirmation: wait for the governors, or their request for changes")
    version = MinutesVersion(meeting_id=meeting.id, school_id=meeting.school_id, number=len(existing) + 1,
                             written_by_id=getattr(user, "id", None), status=MinutesStatus.DRAFT)
    source = copy_from or (existing[-1] if existing else None)
    if source is not None:
        for name in ("attendance", "apologies", "decisions", "summary", "actions_text", "document_name", "document_key",
                     "document_sha256"):
            setattr(version, name, getattr(source, name))
        version.discussion = list(source.discussion or [])
        version.actions = [MinutesAction(school_id=meeting.school_id, description=a.description, owner_id=a.owner_id,
                                         owner_name=a.owner_name, due_on=a.due_on) for a in source.actions if a.done_at is None]
    db.session.add(version)
    return version


def save_draft(version, *, attendance, apologies, discussion, decisions, summary, actions, document=None):
    """``discussion``: [{"priority", "text"}]; ``actions``: [(description, owner user or None, owner name, due date)]."""
    if version.status != MinutesStatus.DRAFT:
        raise RuleBroken("Only draft minutes can be changed: start a correction instead")
    version.attendance, version.apologies = attendance.strip(), apologies.strip()
    version.discussion = [{"priority": d["priority"], "text": d["text"].strip()} for d in discussion]
    version.decisions, version.summary = decisions.strip(), summary.strip()
    if document is not None:
        version.document_name, version.document_key, version.document_sha256 = document
    for action in list(version.actions):
        version.actions.remove(action)
        db.session.delete(action)
    lines = []
    for description, owner, owner_name, due_on in actions:
        name = owner.name if owner is not None else owner_name.strip()
        version.actions.append(MinutesAction(school_id=version.school_id, description=description.strip(),
                                             owner_id=getattr(owner, "id", None), owner_name=name, due_on=due_on))
        lines.append(f"{description.strip()} ({name or 'no owner'}{', by ' + due_on.isoformat() if due_on else ''})")
    version.actions_text = "\n".join(lines)


def check_ready_to_circulate(version):
    """Raise ``RuleBroken`` (naming the field to fix) unless this draft has enough in it to circulate."""
    if version.status != MinutesStatus.DRAFT:
        raise RuleBroken("These minutes are already circulated")
    if not (version.attendance or version.document_key):
        raise RuleBroken("Record who attended, or attach the minutes document, before circulating", "attendance")
    if not (version.decisions or version.summary or any(d["text"] for d in version.discussion or [])):
        raise RuleBroken("Write the discussion, decisions or a summary before circulating", "decisions")


def circulate(version, meeting):
    """Send the draft to members for confirmation: from now on it cannot change (corrections are new versions)."""
    check_ready_to_circulate(version)
    version.status = MinutesStatus.CIRCULATED
    version.circulated_at = clock.now()
    if meeting.minutes_circulated_at is None:
        meeting.minutes_circulated_at = version.circulated_at


def confirm(version, meeting, user, *, document_intact=True):
    """The confirmer says these minutes are an accurate record: who, when, and a digest of exactly what.

    ``document_intact``: whether the stored file still has the SHA-256 recorded when it was attached (the digest
    covers that SHA-256, so a swapped file must not be confirmed as if it were the one circulated)."""
    if version.status != MinutesStatus.CIRCULATED:
        raise RuleBroken("Only circulated minutes can be confirmed")
    if not may_confirm(user, meeting, version):
        raise RuleBroken("Only the chair of governors, or the governor they nominated, can confirm these minutes")
    if not document_intact:
        raise RuleBroken("The stored minutes document is not the one that was circulated, so these minutes cannot be "
                         "confirmed: ask for changes instead")
    version.canonical_form = CURRENT_CANONICAL_FORM
    version.digest = digest_of(version)
    version.confirmed_at, version.confirmed_by_id = clock.now(), user.id
    version.status = MinutesStatus.CONFIRMED


def request_changes(version, meeting, user, comment):
    if version.status != MinutesStatus.CIRCULATED:
        raise RuleBroken("Only circulated minutes can be sent back for changes")
    if not may_confirm(user, meeting, version):
        raise RuleBroken("Only the chair of governors, or the governor they nominated, can ask for changes")
    if not comment.strip():
        raise RuleBroken("Say what needs to change", "comment")
    version.status = MinutesStatus.CHANGES_REQUESTED
    version.change_request, version.change_requested_by_id = comment.strip(), user.id


def nominate(meeting, chair, governor):
    from portal.access import roles_at

    if Role.CHAIR_OF_GOVERNORS not in roles_at(chair, meeting.school):
        raise RuleBroken("Only the chair of governors can nominate someone to confirm the minutes")
    if not ({Role.GOVERNOR, Role.CHAIR_OF_GOVERNORS} & roles_at(governor, meeting.school)):
        raise RuleBroken("Choose a governor of this school", "user_id")
    nomination = db.session.scalar(select(ConfirmerNomination).where(ConfirmerNomination.meeting_id == meeting.id))
    if nomination is None:
        nomination = ConfirmerNomination(meeting_id=meeting.id, school_id=meeting.school_id)
        db.session.add(nomination)
    nomination.user_id, nomination.nominated_by_id, nomination.nominated_at = governor.id, chair.id, clock.now()
    return nomination


def record_governing_body(version, user, received_on):
    if version.status != MinutesStatus.CONFIRMED:
        raise RuleBroken("Record the full governing body meeting once the minutes are confirmed")
    if received_on < as_london(version.confirmed_at).date():
        raise RuleBroken("The full governing body meeting must be on or after the day the minutes were confirmed", "received_on")
    version.governing_body_on, version.governing_body_recorded_by_id = received_on, user.id


def mark_action_done(action, user):
    if action.done_at is None:
        action.done_at, action.done_by_id = clock.now(), user.id


def open_actions_for(user):
    """Actions from confirmed or circulated minutes that this person owns and has not marked done."""
    return db.session.scalars(
        select(MinutesAction).join(MinutesAction.version)
        .where(MinutesAction.owner_id == user.id, MinutesAction.done_at.is_(None),
               MinutesVersion.status.in_([MinutesStatus.CIRCULATED, MinutesStatus.CONFIRMED]))
        .options(selectinload(MinutesAction.version).selectinload(MinutesVersion.meeting))
        .order_by(MinutesAction.due_on.is_(None), MinutesAction.due_on)
    ).all()


def minutes_awaiting_confirmation_by(user):
    """Circulated minutes this person may confirm: only a governor may be nominated, so none for anyone else."""
    from portal.access import school_ids_where
    from portal.meetings.models import ReviewMeeting

    if not school_ids_where(user, Role.CHAIR_OF_GOVERNORS, Role.GOVERNOR):
        return []
    chaired = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id, SchoolRole.role == Role.CHAIR_OF_GOVERNORS)
    nominated = select(ConfirmerNomination.meeting_id).where(ConfirmerNomination.user_id == user.id)
    nominated_elsewhere = select(ConfirmerNomination.meeting_id).where(ConfirmerNomination.user_id != user.id)
    versions = db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.status == MinutesStatus.CIRCULATED,
                                     ((MinutesVersion.school_id.in_(chaired) & MinutesVersion.meeting_id.not_in(nominated_elsewhere))
                                      | MinutesVersion.meeting_id.in_(nominated)))
        .options(selectinload(MinutesVersion.meeting).selectinload(ReviewMeeting.school))
    ).all()
    return [v for v in versions if v.written_by_id != user.id]


def reviews_without_governing_body_date(limit=20):
    """Confirmed minutes not yet recorded as received by the full governing body (LA overview), oldest first:
    (the first ``limit``, how many in all). Only each meeting's latest confirmed version counts: a correction
    supersedes the version before it. Worked out in the database, whatever the years of minutes behind it."""
    from portal.meetings.models import ReviewMeeting

    newer = aliased(MinutesVersion)
    # (A version that supersedes another is never a meeting's first: said outright, the database looks for newer
    # versions among the few corrections rather than among every confirmed version of every year.)
    superseded = exists().where(newer.meeting_id == MinutesVersion.meeting_id, newer.status == MinutesStatus.CONFIRMED,
                                newer.number > 1, newer.number > MinutesVersion.number)
    return first_with_total(
        select(MinutesVersion)
        .where(MinutesVersion.status == MinutesStatus.CONFIRMED, MinutesVersion.governing_body_on.is_(None), ~superseded),
        limit, order_by=(MinutesVersion.confirmed_at, MinutesVersion.id),
        options=(joinedload(MinutesVersion.meeting).joinedload(ReviewMeeting.school),))
