"""Evidence rules: submission (late is accepted and marked), queries and answers, verification, withdrawal,
and whether each school's adviser has verified evidence this half term."""

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors_domain import RuleBroken
from portal.evidence.models import Decision, EvidenceFile, EvidenceItem, EvidenceStatus, EvidenceVersion, Verification
from portal.extensions import db
from portal.meetings.models import MeetingStatus, ReviewMeeting
from portal import clock
from portal.meetings.rules import deadlines_for
from portal.plans.models import Plan, PlanStatus
from portal.schools.models import Role, School, SchoolRole
from portal.terms.rules import half_term_on


def keep_uploaded_file(school, user, stored, kind, display_name) -> EvidenceFile:
    """Record a stored file before its form is complete, so a form error never loses an upload."""
    evidence_file = EvidenceFile(school_id=school.id, uploaded_by_id=getattr(user, "id", None), display_name=display_name,
                                 storage_key=stored.key, size=stored.size, sha256=stored.sha256, mime_type=kind.mime_type,
                                 kind_label=kind.label)
    db.session.add(evidence_file)
    return evidence_file


def waiting_files(school, user, file_ids):
    """The user's own uploads at this school not yet attached to evidence, a visit or an intervention step (ids from the form)."""
    if not file_ids:
        return []
    return db.session.scalars(
        select(EvidenceFile).where(EvidenceFile.id.in_(file_ids), EvidenceFile.school_id == school.id,
                                   EvidenceFile.uploaded_by_id == user.id, EvidenceFile.version_id.is_(None),
                                   EvidenceFile.visit_id.is_(None), EvidenceFile.intervention_step_id.is_(None))
        .order_by(EvidenceFile.id)
    ).all()


def upcoming_meetings(school, today=None):
    """The school's scheduled meetings still to come (today included) that review a plan, in date order: evidence
    for a meeting already held is too late, and a cancelled one has none. Evidence after its deadline but before
    the meeting is still accepted, and marked late."""
    return db.session.scalars(
        select(ReviewMeeting).where(ReviewMeeting.school_id == school.id, ReviewMeeting.status == MeetingStatus.SCHEDULED,
                                    ReviewMeeting.plan_id.is_not(None), ReviewMeeting.meets_on >= (today or clock.today()))
        .options(selectinload(ReviewMeeting.plan).selectinload(Plan.priorities))
        .order_by(ReviewMeeting.meets_on)
    ).all()


def submit(school, user, *, meeting, title, narrative, criteria, files, today=None):
    """New evidence for a review. After the evidence deadline it is still accepted, and marked late."""
    if meeting is None or meeting.school_id != school.id or meeting.is_cancelled:
        raise RuleBroken("Choose the review meeting this evidence is for", "meeting_id")
    if not title.strip():
        raise RuleBroken("Enter a short title for this evidence", "title")
    if not criteria:
        raise RuleBroken("Choose at least one success criterion this evidence shows progress on", "criterion_ids")
    if meeting.plan is None or any(c not in meeting.plan.success_criteria for c in criteria):
        raise RuleBroken("Choose success criteria from the plan this meeting reviews", "criterion_ids")
    if not narrative.strip() and not files:
        raise RuleBroken("Describe the evidence or add at least one file", "narrative")
    today = today or clock.today()
    item = EvidenceItem(school_id=school.id, meeting=meeting, title=title.strip(), created_by_id=getattr(user, "id", None),
                        status=EvidenceStatus.SUBMITTED,
                        late=today > deadlines_for(meeting).evidence_due, criteria=list(criteria))
    version = EvidenceVersion(number=1, narrative=narrative.strip(), submitted_by_id=getattr(user, "id", None), submitted_at=clock.now())
    version.files = list(files)
    item.versions.append(version)
    db.session.add(item)
    return item


def answer_query(item, user, *, answer, files):
    """The school answers the adviser's query: a new version, and the item goes back into the queue."""
    if item.status != EvidenceStatus.QUERIED:
        raise RuleBroken("There is no open query on this evidence", "answer")
    if not answer.strip():
        raise RuleBroken("Answer the adviser's query", "answer")
    version = EvidenceVersion(number=item.latest_version.number + 1, narrative=answer.strip(),
                              submitted_by_id=getattr(user, "id", None), submitted_at=clock.now())
    version.files = list(files)
    item.versions.append(version)
    item.status = EvidenceStatus.SUBMITTED
    return version


def decide(item, adviser, *, decision: Decision, comment: str, today=None, visit=None):
    """Verify the latest version, raise a query (a question for the school) or not accept it (with a reason).

    ``visit``: the adviser's visit this decision was made during (its notes must still be a draft).
    """
    if visit is not None and (visit.school_id != item.school_id or visit.status.value != "draft"):
        raise RuleBroken("That visit's notes have been issued: record the decision without it", "decision")
    if item.status != EvidenceStatus.SUBMITTED:
        raise RuleBroken(f"This evidence is {item.status.label.lower()}: there is nothing to verify", "decision")
    if decision == Decision.QUERY and not comment.strip():
        raise RuleBroken("Write the question for the school", "comment")
    if decision == Decision.NOT_ACCEPTED and not comment.strip():
        raise RuleBroken("Give the reason it is not accepted", "comment")
    half_term = half_term_on(today or clock.today())
    verification = Verification(version_number=item.latest_version.number, decision=decision, comment=comment.strip(),
                                decided_by_id=getattr(adviser, "id", None), decided_at=clock.now(),
                                half_term_id=half_term.id if half_term else None, school_id=item.school_id,
                                visit_id=visit.id if visit is not None else None)
    item.decisions.append(verification)
    item.status = {Decision.VERIFIED: EvidenceStatus.VERIFIED, Decision.QUERY: EvidenceStatus.QUERIED,
                   Decision.NOT_ACCEPTED: EvidenceStatus.NOT_ACCEPTED}[decision]
    return verification


def withdraw(item):
    """The school withdraws evidence not yet verified. It is kept, marked withdrawn."""
    if item.status in (EvidenceStatus.VERIFIED, EvidenceStatus.WITHDRAWN):
        raise RuleBroken(f"This evidence is {item.status.label.lower()} and cannot be withdrawn")
    item.status = EvidenceStatus.WITHDRAWN
    item.withdrawn_at = clock.now()


def load_item(school, item_id):
    return db.session.scalar(
        select(EvidenceItem).where(EvidenceItem.id == item_id, EvidenceItem.school_id == school.id)
        .options(selectinload(EvidenceItem.versions).selectinload(EvidenceVersion.files),
                 selectinload(EvidenceItem.versions).selectinload(EvidenceVersion.submitted_by),
                 selectinload(EvidenceItem.decisions).selectinload(Verification.decided_by),
                 selectinload(EvidenceItem.decisions).selectinload(Verification.visit),
                 selectinload(EvidenceItem.criteria), selectinload(EvidenceItem.meeting))
    )


def school_evidence(school):
    return db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.school_id == school.id)
        .options(selectinload(EvidenceItem.meeting), selectinload(EvidenceItem.criteria))
        .order_by(EvidenceItem.created_at.desc(), EvidenceItem.id.desc())
    ).all()


def _advised_school_ids(user):
    return select(SchoolRole.school_id).where(SchoolRole.user_id == user.id, SchoolRole.role == Role.ADVISER)


def verification_queue(user, is_admin=False):
    """Evidence waiting for a decision at the schools this person advises (every school for the LA admin), oldest first."""
    return db.session.scalars(verification_queue_query(user, is_admin)).all()


def verification_queue_query(user, is_admin=False):
    """The select behind ``verification_queue``, for a page of it."""
    query = (select(EvidenceItem).where(EvidenceItem.status == EvidenceStatus.SUBMITTED)
             .options(joinedload(EvidenceItem.school), joinedload(EvidenceItem.meeting).joinedload(ReviewMeeting.half_term),
                      selectinload(EvidenceItem.criteria), selectinload(EvidenceItem.versions))
             .order_by(EvidenceItem.created_at, EvidenceItem.id))
    if not is_admin:
        query = query.where(EvidenceItem.school_id.in_(_advised_school_ids(user)))
    return query


def decisions_during_visits(user, is_admin=False, limit=20):
    """The latest verification decisions made during visits, at the schools this person advises (all for the LA admin)."""
    query = (select(Verification).where(Verification.visit_id.is_not(None))
             .options(selectinload(Verification.item).selectinload(EvidenceItem.school), selectinload(Verification.visit))
             .order_by(Verification.decided_at.desc(), Verification.id.desc()).limit(limit))
    if not is_admin:
        query = query.where(Verification.school_id.in_(_advised_school_ids(user)))
    return db.session.scalars(query).all()


def schools_not_verified_this_half_term(user=None, today=None, school_ids=None):
    """Schools with an agreed plan whose adviser has made no verification decision this half term.

    ``user`` limits it to the schools they advise, ``school_ids`` to those schools; neither means every school.
    Returns (half term or None, [school]).
    """
    half_term = half_term_on(today or clock.today())
    if half_term is None:
        return None, []
    query = not_verified_query(half_term)
    if user is not None:
        query = query.where(School.id.in_(_advised_school_ids(user)))
    if school_ids is not None:
        query = query.where(School.id.in_(list(school_ids)))
    return half_term, db.session.scalars(query).all()


def not_verified_query(half_term):
    """A select of the active schools with an agreed plan and no verification decision in ``half_term``."""
    return select(School).where(School.active.is_(True), unverified_in(half_term)).order_by(School.name)


def unverified_in(half_term):
    """A condition on a school: it has an agreed plan for ``half_term``'s year and no verification decision in it."""
    return agreed_plan_in(half_term) & ~verified_in(half_term)


def agreed_plan_in(half_term):
    """A condition on a school: it has an agreed plan for ``half_term``'s academic year."""
    return exists().where(Plan.school_id == School.id, Plan.academic_year_id == half_term.academic_year_id,
                          Plan.status.in_([PlanStatus.AGREED, PlanStatus.AMENDED]))


def verified_in(half_term):
    """A condition on a school: its adviser made a verification decision in ``half_term``."""
    return exists().where(Verification.school_id == School.id, Verification.half_term_id == half_term.id)


def waiting_for_verification(school_ids=None):
    """A select of how many pieces of evidence wait for verification (at ``school_ids``, or everywhere)."""
    query = select(func.count()).select_from(EvidenceItem).where(EvidenceItem.status == EvidenceStatus.SUBMITTED)
    return query if school_ids is None else query.where(EvidenceItem.school_id.in_(school_ids))


def queries_to_answer(user):
    """Evidence with an open query from the adviser, at the schools this person leads, oldest query first."""
    from portal.access import school_ids_where

    leads = school_ids_where(user, Role.HEADTEACHER, Role.SENIOR_LEADER)
    if not leads:
        return []
    items = db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.status == EvidenceStatus.QUERIED, EvidenceItem.school_id.in_(leads))
        .options(selectinload(EvidenceItem.school), selectinload(EvidenceItem.meeting),
                 selectinload(EvidenceItem.decisions).selectinload(Verification.decided_by))
    ).all()
    return sorted(items, key=lambda item: (item.decisions[-1].decided_at if item.decisions else item.created_at, item.id))
