"""Which reminders are due on a working day, and queueing them once.

Each kind has a window of days [send on, until]: a reminder is wanted on any day inside its window while
its condition holds (the agenda still unsent, no evidence yet...). A scan queues every wanted reminder
whose key is not in the outbox (so a day the portal was down is caught up, and nothing goes twice) and
cancels queued ones that are no longer wanted (the meeting moved, the evidence arrived).
Reminders are queued (and sent) only on working days: a scan on a weekend, a bank holiday or an LA closure
day does nothing, and a window that ends on such a day stays open until the next working day, so a reminder
missed while the portal was down goes out then, once.
Default schedule, in working days: see ``SCHEDULE``. Support activities (``_support_reminders``) go to the school's
advisers, who follow them up (their home pages list the same activities).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from portal.evidence.models import EvidenceItem, EvidenceStatus
from portal.extensions import db
from portal.many_values import among
from portal.meetings.models import MeetingStatus, ReviewMeeting
from portal.meetings.kinds import all_kinds
from portal.meetings.models import MeetingMember
from portal.meetings.rules import deadline_days, deadlines_on
from portal.minutes.models import MinutesStatus, MinutesVersion
from portal.reminders import outbox
from portal.reminders.models import MessageStatus, OutboxMessage
from portal.auth.models import User
from portal.schools.models import Role, School, SchoolRole
from portal.terms.rules import closure_days, deadline_settings, half_term_on
from portal import clock
from portal.clock import as_london
from portal.working_days import is_working_day, shift_working_days
from portal.templating import govuk_date
from portal.support.money import format_days

# What each reminder is, who gets it and when (working days), for the profile page and the README.
SCHEDULE = {
    "evidence": ("Evidence due", "Headteacher and senior leaders",
                 "5 working days before the evidence deadline, again the working day before, and the day after if nothing arrived"),
    "agenda": ("Agenda due", "Adviser", "2 working days before the agenda deadline, and the day after if it was not sent"),
    "meeting": ("Meeting coming up", "Every member", "2 working days before the meeting, with the calendar invitation"),
    "minutes": ("Minutes due", "Adviser (or whoever is writing them)",
                "3 working days before the minutes deadline, and the day after if they were not circulated"),
    "confirm": ("Minutes awaiting your confirmation", "Chair of governors (or the governor nominated)",
                "3 working days after they were circulated, then weekly until confirmed"),
    "verification": ("Verification due this half term", "Adviser",
                     "10 working days before the half term ends, for each school with no evidence verified yet"),
    "notes": ("Notes of visit due", "Adviser who made the visit",
              "The working day before the notes are due (5 working days after the visit), and the day after if not issued"),
    "accuracy": ("Notes of visit to check", "Headteacher (or senior leaders)",
                 "The working day before the accuracy check closes, if the school has not answered"),
    "support": ("Support activity due", "Adviser",
                "5 working days before a support activity is due, and the working day after if it is not marked done"),
}
REMINDER_KINDS = tuple(SCHEDULE)


@dataclass
class Reminder:
    key: str
    kind: str
    email: str
    user_id: int | None
    school_id: int
    subject: str
    heading: str
    lines: list
    link: str
    link_text: str
    due_on: date | None
    # (name, type, bytes), or a function that makes them when the reminder is queued (a calendar invitation).
    attachment: tuple | Callable | None = field(default=None)


def kinds_held_on(day: date) -> tuple:
    """The outbox kinds that wait today: every reminder, unless it is a working day (notices never wait)."""
    return () if is_working_day(day, closure_days()) else REMINDER_KINDS


def sending_day(now: datetime) -> date:
    """Reminders for a day go out from REMINDER_HOUR (07:00) London time; before that it is still the day before."""
    local = as_london(now)
    hour = current_app.config["REMINDER_HOUR"]
    return local.date() if local.hour >= hour else local.date() - timedelta(days=1)


def _in_window(today, send_on, until, closures=frozenset()):
    """Inside [send on, until], where an ``until`` that falls on a day off stretches to the next working day."""
    if not is_working_day(until, closures):
        until = shift_working_days(until, 1, closures)
    return send_on <= today <= until


def _people(school, roles):
    return [r.user for r in school.roles if r.role in roles and r.user.active]


def public_link(endpoint, **values):
    """A full address for an email: the portal's public URL and the page."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def _days(count):
    return f"{count} working day{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class Due:
    """One reminder of a meeting due today: its kind, the stage that goes into its key, the deadline it is about."""

    kind: str
    stage: str
    due_on: date
    overdue: bool = False


def _meeting_rows(today):
    """The scheduled meetings whose reminders can fall due around ``today``, as plain rows (no objects loaded),
    with whether each has evidence and circulated minutes: what deciding what is due needs, in one statement."""
    has_evidence = exists().where(EvidenceItem.meeting_id == ReviewMeeting.id, EvidenceItem.status != EvidenceStatus.WITHDRAWN)
    circulated = exists().where(MinutesVersion.meeting_id == ReviewMeeting.id, MinutesVersion.circulated_at.is_not(None))
    return db.session.execute(
        select(ReviewMeeting.id, ReviewMeeting.school_id, ReviewMeeting.meets_on, ReviewMeeting.starts_at, ReviewMeeting.kind_key,
               ReviewMeeting.plan_id, ReviewMeeting.agenda_sent_at, has_evidence.label("has_evidence"),
               circulated.label("circulated"))
        .where(ReviewMeeting.status == MeetingStatus.SCHEDULED, ReviewMeeting.meets_on >= today - timedelta(days=150),
               ReviewMeeting.meets_on <= today + timedelta(days=40))
        .order_by(ReviewMeeting.id)
    ).all()


@dataclass(frozen=True)
class _Windows:
    """What is in its window today for every meeting held on one date, of one kind (its deadlines are the same):
    worked out once for the tens of thousands of meetings that share a few hundred dates and kinds."""

    evidence: tuple[Due, ...]  # if the meeting reviews a plan and has no evidence yet
    agenda: tuple[Due, ...]  # if its agenda has not been sent
    coming_up: bool  # the "meeting coming up" reminder (its stage names the start time, so it is made per meeting)
    minutes: tuple[Due, ...]  # if its minutes have not been circulated and the meeting has been held


def _windows(meets_on, deadlines, today, closures) -> _Windows:
    """The one place that decides which reminder of a meeting is in its window on ``today``."""

    def stage(kind, due, stages):
        return tuple(Due(kind, name, due, overdue) for name, send_on, until, overdue in stages
                     if _in_window(today, send_on, until, closures))

    day_before_meeting = meets_on - timedelta(days=1)
    evidence, agenda, minutes = deadlines.evidence_due, deadlines.agenda_due, deadlines.minutes_due
    return _Windows(
        evidence=stage("evidence", evidence, [
            (f"{evidence}:5-days", shift_working_days(evidence, -5, closures), shift_working_days(evidence, -2, closures), False),
            (f"{evidence}:1-day", shift_working_days(evidence, -1, closures), evidence, False),
            (f"{evidence}:overdue", shift_working_days(evidence, 1, closures), meets_on, True)]),
        agenda=stage("agenda", agenda, [
            (f"{agenda}:2-days", shift_working_days(agenda, -2, closures), agenda, False),
            (f"{agenda}:overdue", shift_working_days(agenda, 1, closures), day_before_meeting, True)]),
        coming_up=_in_window(today, shift_working_days(meets_on, -2, closures), day_before_meeting, closures),
        minutes=stage("minutes", minutes, [
            (f"{minutes}:3-days", shift_working_days(minutes, -3, closures), minutes, False),
            (f"{minutes}:overdue", shift_working_days(minutes, 1, closures), minutes + timedelta(days=90), True)])
        if today >= meets_on else ())


def _meeting_dues(row, windows: _Windows) -> list[Due]:
    """What a meeting (a row of ``_meeting_rows``) has due today: its date's and kind's windows, for what it lacks."""
    found = []
    if row.plan_id and not row.has_evidence:
        found += windows.evidence
    if row.agenda_sent_at is None:
        found += windows.agenda
    if windows.coming_up:
        found.append(Due("meeting", f"{row.meets_on}T{row.starts_at:%H%M}", row.meets_on))
    if not row.circulated:
        found += windows.minutes
    return found


def _meeting_reminders(meeting, dues, settings):
    """The reminders for what ``dues`` says a meeting has due today, to the people each goes to."""
    school = meeting.school
    agenda_days, evidence_days, minutes_days = deadline_days(meeting.kind, settings)  # the kind's own, else the LA's
    title = f"{meeting.title} on {govuk_date(meeting.meets_on)}"
    on = govuk_date(meeting.meets_on)
    found = []

    def add(due, people, subject, heading, lines, link, link_text, attachment=None):
        for person in people:
            email = person.email if hasattr(person, "email") else person
            found.append(Reminder(
                key=f"{due.kind}:meeting-{meeting.id}:{email.lower()}:{due.stage}", kind=due.kind, email=email,
                user_id=getattr(person, "id", None), school_id=school.id, subject=subject, heading=heading, lines=lines,
                link=link, link_text=link_text, due_on=due.due_on, attachment=attachment))

    for due in dues:
        when, overdue = govuk_date(due.due_on), due.overdue
        if due.kind == "evidence":
            add(due, _people(school, {Role.HEADTEACHER, Role.SENIOR_LEADER}),
                (f"Overdue: evidence for {school.name}'s review on {on}" if overdue
                 else f"Evidence due {when}: {school.name}'s review on {on}"),
                "Evidence overdue" if overdue else "Evidence due",
                [f"{school.name}'s evidence for the {title} was due on {when} and has not been submitted." if overdue else
                 f"{school.name}'s evidence for the {title} is due by {when}, {_days(evidence_days)} before the meeting.",
                 "Submit it against the plan's success criteria. Evidence submitted late is still accepted and marked late."],
                public_link("evidence.new", school_id=school.id, meeting=meeting.id), "Submit evidence")
        elif due.kind == "agenda":
            add(due, _people(school, {Role.ADVISER}),
                (f"Overdue: agenda for {school.name}'s review on {on}" if overdue
                 else f"Agenda due {when}: {school.name}'s review on {on}"),
                "Agenda overdue" if overdue else "Agenda due",
                [f"The agenda for {school.name}'s {title} {'was due' if overdue else 'is due'} to members by "
                 f"{when}, {_days(agenda_days)} before the meeting.", "Write or upload it in the portal and mark it as sent."],
                public_link("meetings.agenda", school_id=school.id, meeting_id=meeting.id), "Write and send the agenda")
        elif due.kind == "meeting":
            members = [m.user if m.user is not None and m.user.active else m.email for m in meeting.members if m.email]
            add(due, members, f"Coming up on {on}: {school.name}'s {meeting.kind.label}", "Meeting coming up",
                [f"{school.name}'s {meeting.title} is on {on} at {meeting.starts_at:%H:%M}"
                 f"{', ' + meeting.place if meeting.place else ''}.", "The calendar invitation is attached."],
                public_link("meetings.show", school_id=school.id, meeting_id=meeting.id),
                "See the meeting, its agenda and papers", attachment=_invitation(meeting))
        else:
            add(due, _people(school, {Role.ADVISER}),
                (f"Overdue: minutes of {school.name}'s review on {on}" if overdue
                 else f"Minutes due {when}: {school.name}'s review on {on}"),
                "Minutes overdue" if overdue else "Minutes due",
                [f"The minutes of {school.name}'s {title} {'were due' if overdue else 'are due'} to be circulated by "
                 f"{when}, {_days(minutes_days)} after the meeting."],
                public_link("minutes.show", school_id=school.id, meeting_id=meeting.id), "Write and circulate the minutes")
    return found


def _invitation(meeting):
    """The calendar invitation, made only for a reminder that is queued, and once for all the meeting's members."""
    made = []

    def attachment():
        if not made:
            from portal.notices.events import invitation_for

            made.append(invitation_for(meeting))
        return made[0]

    return attachment


# Who each kind of meeting reminder goes to ("meeting" goes to the meeting's members).
MEETING_RECIPIENTS = {"evidence": {Role.HEADTEACHER, Role.SENIOR_LEADER}, "agenda": {Role.ADVISER},
                      "minutes": {Role.ADVISER}}


def _slices(values, size=500):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _meetings_due(today, settings, closures):
    """{meeting id: (school id, [Due])} for every meeting with a reminder due today, decided on plain rows."""
    kinds = {kind.key: kind for kind in all_kinds()}
    due, windows = {}, {}  # by date and kind: tens of thousands of meetings share a few hundred
    for row in _meeting_rows(today):
        key = (row.meets_on, row.kind_key)
        if key not in windows:
            windows[key] = _windows(row.meets_on, deadlines_on(row.meets_on, kinds.get(row.kind_key), settings, closures),
                                    today, closures)
        dues = _meeting_dues(row, windows[key])
        if dues:
            due[row.id] = (row.school_id, dues)
    return due


def _meeting_keys(due) -> dict[int, set[str]]:
    """{meeting id: the outbox keys of its reminders due today}, from the people's addresses alone (no objects
    loaded): the same keys ``_meeting_reminders`` gives, so a repeat scan can tell what is new without building any."""
    people = {}
    for schools in among(SchoolRole.school_id, sorted({school_id for school_id, _ in due.values()})):
        for school_id, role, email in db.session.execute(
                select(SchoolRole.school_id, SchoolRole.role, User.email).join(User, User.id == SchoolRole.user_id)
                .where(schools, User.active.is_(True))):
            people.setdefault(school_id, []).append((role, email))
    members = {}
    coming = [meeting_id for meeting_id, (_, dues) in due.items() if any(d.kind == "meeting" for d in dues)]
    for meetings in among(MeetingMember.meeting_id, coming):
        for meeting_id, own_email, user_email, user_active in db.session.execute(
                select(MeetingMember.meeting_id, MeetingMember.email, User.email, User.active)
                .outerjoin(User, User.id == MeetingMember.user_id)
                .where(meetings, MeetingMember.email != "")):
            members.setdefault(meeting_id, []).append(user_email if user_email is not None and user_active else own_email)
    keys = {}
    for meeting_id, (school_id, dues) in due.items():
        found = keys.setdefault(meeting_id, set())
        for item in dues:
            emails = members.get(meeting_id, []) if item.kind == "meeting" else \
                [email for role, email in people.get(school_id, []) if role in MEETING_RECIPIENTS[item.kind]]
            found.update(f"{item.kind}:meeting-{meeting_id}:{email.lower()}:{item.stage}" for email in emails)
    return keys


def _meeting_batches(due, meeting_ids, settings):
    """The reminders of these meetings (from ``_meetings_due``), a batch of meetings loaded at a time."""
    for ids in _slices(sorted(meeting_ids)):
        meetings = db.session.scalars(
            select(ReviewMeeting).where(ReviewMeeting.id.in_(ids))
            .options(selectinload(ReviewMeeting.school).selectinload(School.roles).selectinload(SchoolRole.user),
                     selectinload(ReviewMeeting.members).selectinload(MeetingMember.user),
                     selectinload(ReviewMeeting.half_term))
            .order_by(ReviewMeeting.id)).all()
        yield [reminder for meeting in meetings for reminder in _meeting_reminders(meeting, due[meeting.id][1], settings)]


def _confirmation_reminders(version, today, closures):
    from portal.minutes.rules import confirmer_for

    meeting, school = version.meeting, version.meeting.school
    first = shift_working_days(as_london(version.circulated_at).date(), 3, closures)
    if today < first:
        return []
    week = (today - first).days // 7
    confirmers = [u for u in (r.user for r in school.roles) if u.id in confirmer_for(meeting) and u.active]
    return [Reminder(
        key=f"confirm:minutes-{version.id}:{person.email.lower()}:week-{week}", kind="confirm", email=person.email, user_id=person.id,
        school_id=school.id, subject=f"Minutes awaiting your confirmation: {school.name}'s review on {govuk_date(meeting.meets_on)}",
        heading="Minutes awaiting your confirmation",
        lines=[f"The minutes of {school.name}'s {meeting.title} on {govuk_date(meeting.meets_on)} were circulated on "
               f"{govuk_date(as_london(version.circulated_at).date())}.",
               "Read them and confirm they are an accurate record, or ask for changes."],
        link=public_link("minutes.show", school_id=school.id, meeting_id=meeting.id), link_text="Read and confirm the minutes",
        due_on=None) for person in {p.id: p for p in confirmers}.values()]


def _verification_reminders(today, closures):
    """Each active adviser of each school not verified this half term, in its last ten working days: plain rows
    (school, adviser) from one statement, as there may be twenty thousand schools."""
    from portal.evidence.rules import not_verified_query

    half_term = half_term_on(today)
    if half_term is None or not _in_window(today, shift_working_days(half_term.ends_on, -10, closures), half_term.ends_on, closures):
        return []
    not_verified = not_verified_query(half_term).with_only_columns(School.id).order_by(None)
    pairs = db.session.execute(
        select(School.id, School.name, User.id, User.email)
        .join(SchoolRole, SchoolRole.school_id == School.id).join(User, User.id == SchoolRole.user_id)
        .where(School.id.in_(not_verified), SchoolRole.role == Role.ADVISER, User.active.is_(True))
        .order_by(School.name, User.id))
    found = []
    for school_id, school_name, adviser_id, adviser_email in pairs:
        found.append(Reminder(
            key=f"verification:school-{school_id}:{adviser_email.lower()}:half-term-{half_term.id}", kind="verification",
            email=adviser_email, user_id=adviser_id, school_id=school_id,
            subject=f"Verification due by {govuk_date(half_term.ends_on)}: {school_name}",
            heading="Verification due this half term",
            lines=[f"No evidence from {school_name} has been verified in {half_term.name}, which ends on {govuk_date(half_term.ends_on)}.",
                   "Each school with an agreed plan needs its evidence verified at least once a half term."],
            link=public_link("evidence.index", school_id=school_id), link_text=f"See {school_name}'s evidence",
            due_on=half_term.ends_on))
    return found


def _visit_reminders(today, settings, closures):
    """Notes the adviser has not issued; issued notes the school has not answered (the last day to answer)."""
    from portal.visits.models import NotesStatus, Visit
    from portal.visits.rules import notes_due_on, school_leaders

    visits = db.session.scalars(
        select(Visit).where(((Visit.status == NotesStatus.DRAFT) & (Visit.visited_on >= today - timedelta(days=150)))
                            | ((Visit.status == NotesStatus.ISSUED) & (Visit.response_due_on >= today)))
        .options(selectinload(Visit.school), selectinload(Visit.adviser))
    ).all()
    found = []
    for visit in visits:
        school, title = visit.school, f"{visit.kind.label.lower()} to {visit.school.name} on {govuk_date(visit.visited_on)}"
        link = public_link("visits.show", school_id=school.id, visit_id=visit.id)
        if visit.status == NotesStatus.DRAFT and visit.adviser is not None and visit.adviser.active:
            due = notes_due_on(visit, settings, closures)
            for stage, send_on, until, overdue in ((f"{due}:1-day", shift_working_days(due, -1, closures), due, False),
                                                   (f"{due}:overdue", shift_working_days(due, 1, closures), due + timedelta(days=90),
                                                    True)):
                if _in_window(today, send_on, until, closures):
                    found.append(Reminder(
                        key=f"notes:visit-{visit.id}:{visit.adviser.email.lower()}:{stage}", kind="notes",
                        email=visit.adviser.email, user_id=visit.adviser.id, school_id=school.id,
                        subject=(f"Overdue: notes of your {title}" if overdue else f"Notes due {govuk_date(due)}: your {title}"),
                        heading="Notes of visit overdue" if overdue else "Notes of visit due",
                        lines=[f"The notes of your {title} {'were' if overdue else 'are'} due by {govuk_date(due)}.",
                               "Write them in the portal and issue them to the school for a factual accuracy check."],
                        link=link, link_text="Write the notes", due_on=due))
        elif visit.status == NotesStatus.ISSUED and today == shift_working_days(visit.response_due_on, -1, closures):
            for person in school_leaders(school):
                found.append(Reminder(
                    key=f"accuracy:visit-{visit.id}:{person.email.lower()}:{visit.response_due_on}", kind="accuracy",
                    email=person.email, user_id=person.id, school_id=school.id,
                    subject=f"Notes of visit to check by {govuk_date(visit.response_due_on)}: {school.name}",
                    heading="Notes of visit to check",
                    lines=[f"The notes of the {title} are waiting for your accuracy check until {govuk_date(visit.response_due_on)}.",
                           "If there is no answer by then, they become final as they are."],
                    link=public_link("visits.respond", school_id=school.id, visit_id=visit.id), link_text="Check the notes",
                    due_on=visit.response_due_on))
    return found


SUPPORT_OVERDUE_DAYS = 30  # an overdue support activity is reminded about once, within a month of its date


def _support_reminders(today, closures):
    """Support activities not done: to each active adviser of the school, 5 working days before the due date and
    the working day after it. The key holds the activity, its due date and the stage: a moved date reminds again,
    nothing goes twice. One query for the activities with their packages, schools and people, however many schools."""
    from portal.support.models import SupportActivity, SupportPackage

    last_due = shift_working_days(today, 5, closures)  # the latest due date whose first reminder is due by today
    activities = db.session.scalars(
        select(SupportActivity).join(School, School.id == SupportActivity.school_id)
        .where(SupportActivity.done_on.is_(None), SupportActivity.due_on.is_not(None), School.active.is_(True),
               SupportActivity.due_on >= today - timedelta(days=SUPPORT_OVERDUE_DAYS + 7), SupportActivity.due_on <= last_due)
        .options(joinedload(SupportActivity.package).joinedload(SupportPackage.school).selectinload(School.roles)
                 .selectinload(SchoolRole.user))
        .order_by(SupportActivity.due_on, SupportActivity.id)
    ).all()
    found = []
    for activity in activities:
        package, due = activity.package, activity.due_on
        school = package.school
        what = activity.what if len(activity.what) <= 80 else activity.what[:79] + "…"
        for stage, send_on, until, overdue in (
            ("5-days", shift_working_days(due, -5, closures), due, False),
            ("overdue", shift_working_days(due, 1, closures), due + timedelta(days=SUPPORT_OVERDUE_DAYS), True),
        ):
            if not _in_window(today, send_on, until, closures):
                continue
            for adviser in _people(school, {Role.ADVISER}):
                found.append(Reminder(
                    key=f"support:activity-{activity.id}:{adviser.email.lower()}:{due}:{stage}", kind="support",
                    email=adviser.email, user_id=adviser.id, school_id=school.id,
                    subject=(f"Overdue: support activity for {school.name} due {govuk_date(due)}: {what}" if overdue
                             else f"Support activity due {govuk_date(due)}: {school.name}: {what}"),
                    heading="Support activity overdue" if overdue else "Support activity due",
                    lines=[f"{activity.what} ({package.name}) for {school.name} "
                           + (f"was due on {govuk_date(due)} and is not marked done." if overdue
                              else f"is due by {govuk_date(due)}."),
                           f"Provider: {activity.provider_label}. Days: {format_days(activity.days_used)} used of "
                           f"{format_days(activity.days_allocated)} allocated.",
                           "When it is done, record the days used and the date done on the school's support page."],
                    link=public_link("support.index", school_id=school.id, _anchor=f"activity-{activity.id}"),
                    link_text=f"See {school.name}'s support package", due_on=due))
    return found


def _other_reminders(today, settings, closures):
    """Batches of the reminders that are not about a meeting: minutes to confirm, verification, visits, support."""
    awaiting = db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.status == MinutesStatus.CIRCULATED)
        .options(selectinload(MinutesVersion.meeting).selectinload(ReviewMeeting.school).selectinload(School.roles)
                 .selectinload(SchoolRole.user))
    ).all()
    yield [reminder for version in awaiting for reminder in _confirmation_reminders(version, today, closures)]
    yield _verification_reminders(today, closures)
    yield _visit_reminders(today, settings, closures)
    yield _support_reminders(today, closures)


def wanted_reminders(today: date):
    """Every reminder that should have gone out by ``today`` and still applies."""
    settings, closures = deadline_settings(), closure_days()
    due = _meetings_due(today, settings, closures)
    batches = [*_meeting_batches(due, due, settings), *_other_reminders(today, settings, closures)]
    return [reminder for batch in batches for reminder in batch]


def render_reminder(reminder):
    """The email's text and HTML. Rendered straight from the templates: no request, no context processors."""
    context = {"heading": reminder.heading, "lines": reminder.lines, "link": reminder.link, "link_text": reminder.link_text,
               "service_name": current_app.config["SERVICE_NAME"], "organisation_name": current_app.config["ORGANISATION_NAME"],
               "profile_link": current_app.config["PUBLIC_URL"].rstrip("/") + url_for("reminders.profile")}
    environment = current_app.jinja_env
    return (environment.get_template("emails/reminder.txt").render(context),
            environment.get_template("emails/reminder.html").render(context))


def with_public_urls():
    """A context where url_for works outside a request (the scheduler, the CLI)."""
    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


def _already_queued(keys):
    """Which of ``keys`` the outbox holds already (in any state)."""
    found = set()
    for some in among(OutboxMessage.key, keys):
        found.update(db.session.scalars(select(OutboxMessage.key).where(some)))
    return found


def scan(now=None, today=None) -> dict:
    """Queue every wanted reminder not already in the outbox; cancel queued ones no longer wanted.

    What is due is worked out from plain rows and the outbox keys compared before anything is built: only the
    meetings with a reminder not yet queued are loaded, and only new reminders are rendered (a repeat scan renders
    nothing), a batch at a time. On a day that is not a working day nothing is queued or cancelled: the next working
    day's scan decides."""
    today = today or sending_day(now or clock.now())
    if not is_working_day(today, closure_days()):
        return {"queued": 0, "cancelled": 0, "day": today, "working_day": False}
    settings, closures = deadline_settings(), closure_days()
    due = _meetings_due(today, settings, closures)
    meeting_keys = _meeting_keys(due)
    keys = set().union(*meeting_keys.values()) if meeting_keys else set()
    existing = _already_queued(keys)
    with_new = [meeting_id for meeting_id, found in meeting_keys.items() if found - existing]
    queued = 0
    with with_public_urls():
        for batch in (*_meeting_batches(due, with_new, settings), *_other_reminders(today, settings, closures)):
            existing |= _already_queued(reminder.key for reminder in batch if reminder.key not in keys)
            new = {}
            for reminder in batch:
                keys.add(reminder.key)
                if reminder.key not in existing:
                    new.setdefault(reminder.key, reminder)  # a person with two roles gets it once
            queued += outbox.queue_many(_message_of(reminder) for reminder in new.values())
    stale = [message_id for message_id, key in db.session.execute(select(OutboxMessage.id, OutboxMessage.key).where(
        OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.kind.in_(REMINDER_KINDS))) if key not in keys]
    for ids in _slices(stale):
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
            outbox.cancel(message, "No longer applies")
    db.session.commit()
    return {"queued": queued, "cancelled": len(stale), "day": today, "working_day": True}


def _message_of(reminder) -> dict:
    """The outbox message of a reminder: rendered now, with its attachment made now."""
    text_body, html_body = render_reminder(reminder)
    attachment = reminder.attachment() if callable(reminder.attachment) else reminder.attachment
    return dict(key=reminder.key, kind=reminder.kind, recipient_email=reminder.email, recipient_user_id=reminder.user_id,
                school_id=reminder.school_id, subject=reminder.subject, text_body=text_body, html_body=html_body,
                due_on=reminder.due_on, attachment=attachment)


def preview(today: date):
    """The reminders a scan on ``today`` would queue now (none of them written)."""
    with with_public_urls():
        wanted = wanted_reminders(today)
    existing = _already_queued(r.key for r in wanted)
    return [r for r in wanted if r.key not in existing]

