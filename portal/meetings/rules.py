"""Review meeting rules: scheduling, deadlines in working days, agendas, RAG reviews, what is due."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, literal, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.meetings.models import (
    CriterionReview,
    MeetingDateChange,
    MeetingMember,
    MeetingStatus,
    NextStep,
    Rag,
    ReviewMeeting,
)
from portal.schools.models import Role
from portal.terms.rules import TermCalendar, closure_days, deadline_settings, term_calendar
from portal import clock
from portal.clock import as_london
from portal.working_days import is_working_day, shift_working_days
from portal.templating import govuk_date


@dataclass(frozen=True)
class Deadlines:
    agenda_due: date
    evidence_due: date
    minutes_due: date


def deadline_days(kind, settings) -> tuple[int, int, int]:
    """(agenda, evidence, minutes) working days: the kind of meeting's own where it has them, else the LA's."""
    return tuple(getattr(settings, name) if getattr(kind, name, None) is None else getattr(kind, name)
                 for name in ("agenda_days", "evidence_days", "minutes_days"))


def deadlines_for(meeting, settings=None, closures=None) -> Deadlines:
    """Agenda and evidence so many working days before the meeting, minutes so many after: the kind of meeting's
    own deadlines (Cheshire East: agenda a week ahead, minutes within a week), else the LA's."""
    settings = settings or deadline_settings()
    return deadlines_on(meeting.meets_on, meeting.kind, settings, closure_days() if closures is None else closures)


def deadlines_on(meets_on, kind, settings, closures) -> Deadlines:
    """The deadlines of a meeting of ``kind`` on ``meets_on`` (for many meetings at once, without loading them)."""
    agenda_days, evidence_days, minutes_days = deadline_days(kind, settings)
    return Deadlines(
        agenda_due=shift_working_days(meets_on, -agenda_days, closures),
        evidence_due=shift_working_days(meets_on, -evidence_days, closures),
        minutes_due=shift_working_days(meets_on, minutes_days, closures),
    )


class InSchoolHolidays(RuleBroken):
    """Not a refusal: a date outside term time, booked only once the person confirms it (some LAs do meet in holidays)."""


def holiday_warning(day: date, calendar: TermCalendar | None = None) -> str | None:
    """"30 December 2026 is in the school holidays (between Autumn 2 and Spring 1)", or None in term time."""
    holiday = (calendar or term_calendar()).holiday_on(day)
    return None if holiday is None else f"{govuk_date(day)} is in the school holidays ({holiday.described})"


def check_term_time(warnings: list[str | None], confirmed: bool):
    """Stop at dates in the school holidays until the person ticks the box to book them anyway."""
    warnings = [w for w in warnings if w]
    if warnings and not confirmed:
        sentence = "; ".join([warnings[0]] + [w[0].lower() + w[1:] for w in warnings[1:]])
        raise InSchoolHolidays(f"{sentence}. Tick the box to book {'it' if len(warnings) == 1 else 'them'} anyway.",
                               "book_in_holidays")


def agenda_status(meeting, deadlines: Deadlines, today: date) -> str:
    """"sent", "due", "overdue"; or "not sent" once the meeting is held or cancelled: too late to be overdue then."""
    if meeting.agenda_sent_at is not None:
        return "sent"
    if meeting.is_cancelled or meeting.meets_on < today:
        return "not sent"
    return "overdue" if deadlines.agenda_due < today else "due"


def load_meeting(school, meeting_id):
    return db.session.scalar(
        select(ReviewMeeting)
        .where(ReviewMeeting.id == meeting_id, ReviewMeeting.school_id == school.id)
        .options(
            selectinload(ReviewMeeting.members), selectinload(ReviewMeeting.date_changes).selectinload(MeetingDateChange.changed_by),
            selectinload(ReviewMeeting.criterion_reviews), selectinload(ReviewMeeting.next_steps),
            selectinload(ReviewMeeting.plan),
        )
    )


def load_meeting_alone(school, meeting_id):
    """The meeting and its plan, without what its review recorded (the minutes page shows none of that)."""
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.id == meeting_id, ReviewMeeting.school_id == school.id)
                             .options(selectinload(ReviewMeeting.plan)))


def school_meetings(school):
    return db.session.scalars(
        select(ReviewMeeting).where(ReviewMeeting.school_id == school.id)
        .options(selectinload(ReviewMeeting.plan))
        .order_by(ReviewMeeting.meets_on, ReviewMeeting.starts_at)
    ).all()


def default_members(school):
    """Headteacher, chair of governors and adviser: the RAP review's usual members."""
    wanted = {Role.HEADTEACHER: "Headteacher", Role.CHAIR_OF_GOVERNORS: "Chair of governors", Role.ADVISER: "Adviser"}
    return [(r.user, wanted[r.role]) for r in sorted(school.roles, key=lambda r: list(wanted).index(r.role) if r.role in wanted else 9)
            if r.role in wanted and r.user.active]


def _check_when(meets_on, starts_at, ends_at, closures):
    if not is_working_day(meets_on, closures):
        raise RuleBroken(f"{meets_on.day} {meets_on:%B %Y} is a weekend, bank holiday or closure day: choose a working day", "meets_on")
    if ends_at <= starts_at:
        raise RuleBroken("The meeting must end after it starts", "ends_at")


def schedule_meeting(school, user, *, kind, meets_on: date, starts_at: time, ends_at: time, place="", chair="",
                     plan=None, half_term=None, members=None, closures=None, holidays_confirmed=False):
    """A new meeting of ``kind`` (a MeetingType or its key). ``members``: [(user, role label)] — the school's usual
    members when None.

    A date in the school holidays raises InSchoolHolidays unless ``holidays_confirmed`` (the person ticked the box).
    """
    from portal.meetings.kinds import resolve

    kind = resolve(kind)
    _check_when(meets_on, starts_at, ends_at, closure_days() if closures is None else closures)
    if plan is not None and plan.school is not school:
        raise RuleBroken("That plan belongs to another school", "plan_id")
    if not holidays_confirmed:
        check_term_time([holiday_warning(meets_on)], confirmed=False)
    meeting = ReviewMeeting(school=school, kind=kind, meets_on=meets_on, starts_at=starts_at, ends_at=ends_at,
                            place=place.strip(), chair=chair.strip(), plan=plan, half_term=half_term,
                            created_by_id=getattr(user, "id", None))
    for person, role in (default_members(school) if members is None else members):
        meeting.members.append(MeetingMember(user=person, name=person.name, email=person.email, role=role))
    db.session.add(meeting)
    return meeting


def reschedule(meeting, user, *, meets_on, starts_at, ends_at, reason, holidays_confirmed=False):
    """Move the meeting; its deadlines follow, the change is kept and invitations get a higher SEQUENCE.

    A new date in the school holidays raises InSchoolHolidays unless ``holidays_confirmed``.
    """
    if meeting.is_cancelled:
        raise RuleBroken("This meeting is cancelled", "meets_on")
    _check_when(meets_on, starts_at, ends_at, closure_days())
    if (meeting.meets_on, meeting.starts_at, meeting.ends_at) == (meets_on, starts_at, ends_at):
        raise RuleBroken("Enter a different date or time to reschedule", "meets_on")
    if meets_on != meeting.meets_on:
        check_term_time([holiday_warning(meets_on)], holidays_confirmed)
    meeting.date_changes.append(MeetingDateChange(changed_by_id=getattr(user, "id", None), from_date=meeting.meets_on,
                                                  to_date=meets_on, from_time=meeting.starts_at, to_time=starts_at,
                                                  reason=reason.strip(), changed_at=clock.now()))
    meeting.meets_on, meeting.starts_at, meeting.ends_at = meets_on, starts_at, ends_at
    meeting.sequence += 1


def cancel(meeting, reason):
    """Meetings are never deleted: a cancelled one stays, marked and with the reason."""
    if meeting.is_cancelled:
        raise RuleBroken("This meeting is already cancelled")
    if not reason.strip():
        raise RuleBroken("Say why the meeting is cancelled", "reason")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason.strip()
    meeting.sequence += 1


def save_agenda(meeting, text, document=None, remove_document=False):
    """The agenda's text, and its document: ``document`` (a StoredDocument) replaces any earlier one."""
    if meeting.is_cancelled:
        raise RuleBroken("This meeting is cancelled", "agenda")
    meeting.agenda = text.strip()
    if document is not None:
        meeting.agenda_document_name, meeting.agenda_document_key = document.name, document.key
        meeting.agenda_document_sha256 = document.sha256
    elif remove_document:
        meeting.agenda_document_name = meeting.agenda_document_key = meeting.agenda_document_sha256 = None


def mark_agenda_sent(meeting):
    if not meeting.agenda and not meeting.agenda_document_key:
        raise RuleBroken("Write the agenda or upload it before you mark it as sent", "agenda")
    if meeting.agenda_sent_at is None:
        meeting.agenda_sent_at = clock.now()


def agenda_was_late(meeting, deadlines: Deadlines) -> bool:
    sent = as_london(meeting.agenda_sent_at)
    return sent is not None and sent.date() > deadlines.agenda_due


def record_review(meeting, criterion, user, *, rag: Rag, note: str, today=None):
    """RAG-rate one success criterion of the meeting's plan, on or after the meeting day."""
    if meeting.plan_id is None or criterion.priority.plan_id != meeting.plan_id:
        raise RuleBroken("That success criterion is not part of this meeting's plan")
    if (today or clock.today()) < meeting.meets_on:
        raise RuleBroken("You can record progress from the day of the meeting", "rag")
    review = meeting.review_for(criterion)
    if review is None:
        review = CriterionReview(criterion=criterion)
        meeting.criterion_reviews.append(review)
    review.rag, review.note = rag, note.strip()
    review.recorded_by_id, review.recorded_at = getattr(user, "id", None), clock.now()
    return review


def add_next_step(meeting, *, description, owner, due_on):
    if not description.strip():
        raise RuleBroken("Describe the next step", "description")
    step = NextStep(description=description.strip(), owner=owner.strip(), due_on=due_on)
    meeting.next_steps.append(step)
    return step


def plan_review_timeline(plan):
    """Each success criterion's RAG at each of the plan's meetings, oldest first: (meetings, [(criterion, [review|None])])."""
    meetings = db.session.scalars(
        select(ReviewMeeting)
        .where(ReviewMeeting.plan_id == plan.id, ReviewMeeting.status == MeetingStatus.SCHEDULED)
        .options(selectinload(ReviewMeeting.criterion_reviews))
        .order_by(ReviewMeeting.meets_on)
    ).all()
    rows = [(criterion, [meeting.review_for(criterion) for meeting in meetings]) for criterion in plan.success_criteria]
    return meetings, rows


@dataclass
class DueItem:
    what: str  # "Agenda", "Evidence", "Minutes"
    due_on: date
    meeting: ReviewMeeting
    overdue: bool
    in_holidays: bool = False  # the school may be closed that day


def meeting_due_items(meeting, deadlines, today, *, advised=True, led=True, has_evidence=False):
    """What a scheduled meeting still needs: the agenda and minutes from its adviser, evidence from its leaders."""
    upcoming = meeting.meets_on >= today  # a held meeting's agenda is no longer due: too late to send
    items = []
    if advised and upcoming and meeting.agenda_sent_at is None:
        items.append(DueItem("Agenda", deadlines.agenda_due, meeting, deadlines.agenda_due < today))
    if advised and not upcoming and meeting.minutes_circulated_at is None:
        items.append(DueItem("Minutes", deadlines.minutes_due, meeting, deadlines.minutes_due < today))
    if led and upcoming and not has_evidence:
        items.append(DueItem("Evidence", deadlines.evidence_due, meeting, deadlines.evidence_due < today))
    return items


def has_evidence_column():
    """A column for a select of review meetings: whether any evidence (not withdrawn) is submitted for it."""
    from portal.evidence.models import EvidenceItem, EvidenceStatus

    # Written as "count the first one > 0", not EXISTS: PostgreSQL turns an EXISTS column into a hash of every
    # evidence item in the LA (65,000 at 600 schools) where a look-up per meeting in the index is a third of the time.
    first = (select(literal(1)).where(EvidenceItem.meeting_id == ReviewMeeting.id,
                                      EvidenceItem.status != EvidenceStatus.WITHDRAWN)
             .correlate(ReviewMeeting).limit(1).subquery())
    return (select(func.count()).select_from(first).scalar_subquery() > 0).label("has_evidence")


# The home page lists what is due in the next six weeks (a half term, and the Christmas holiday): an adviser
# with forty schools has a year of agendas ahead, which belong on each school's meetings page.
DUE_WITHIN_DAYS = 42


def due_for(user, today=None):
    """What is due from this person across their schools within six weeks, soonest first (overdue first)."""
    today = today or clock.today()
    from portal.access import school_ids_where

    advises = school_ids_where(user, Role.ADVISER)
    leads = school_ids_where(user, Role.HEADTEACHER, Role.SENIOR_LEADER)
    if not advises and not leads:
        return []
    settings, closures = deadline_settings(), closure_days()
    meetings = db.session.execute(
        select(ReviewMeeting, has_evidence_column())
        .where(ReviewMeeting.school_id.in_(advises | leads), ReviewMeeting.status == MeetingStatus.SCHEDULED,
               ReviewMeeting.meets_on.between(today - timedelta(days=120), today + timedelta(days=DUE_WITHIN_DAYS * 3)))
        .options(joinedload(ReviewMeeting.school), joinedload(ReviewMeeting.half_term), joinedload(ReviewMeeting.kind))
    ).all()
    items = []
    horizon = today + timedelta(days=DUE_WITHIN_DAYS)
    for meeting, has_evidence in meetings:
        items += [item for item in meeting_due_items(meeting, deadlines_for(meeting, settings, closures), today,
                                                     advised=meeting.school_id in advises, led=meeting.school_id in leads,
                                                     has_evidence=has_evidence) if item.due_on <= horizon]
    if items:
        calendar = term_calendar()
        for item in items:
            item.in_holidays = calendar.is_school_holiday(item.due_on)
    return sorted(items, key=lambda item: (not item.overdue, item.due_on, item.meeting.school.name))
