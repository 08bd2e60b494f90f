"""The events people are told about, each as one function the view calls after the rule, before the commit."""

from portal import clock
from portal.notices.rules import link_to, tell
from portal.schools.models import Role
from portal.schools.rules import active_people
from portal.templating import govuk_date


def _leaders(school):
    return active_people(school, {Role.HEADTEACHER, Role.SENIOR_LEADER})


# --- evidence -----------------------------------------------------------------------------------------

def evidence_decided(item, verification, adviser=None):
    """A query asks the school to act; a verification or a refusal lets it know. Call after a flush (ids)."""
    school, decision = item.school, verification.decision.value
    adviser = getattr(adviser, "name", None) or "Your adviser"
    link = link_to("evidence.show", school_id=school.id, item_id=item.id)
    if decision == "query":
        return tell(_leaders(school), kind="evidence-query", event_key=f"verification-{verification.id}", school=school,
                    subject=f"A query on your evidence: {item.title}", heading="A query on your evidence",
                    lines=[f"{adviser} has a question about \u201c{item.title}\u201d, evidence for the "
                           f"{item.meeting.title} on {govuk_date(item.meeting.meets_on)}:", verification.comment,
                           "Answer it in the portal: the evidence goes back to the adviser to verify."],
                    link=link, link_text="Answer the query")
    verified = decision == "verified"
    return tell(_leaders(school), kind="evidence-decided", event_key=f"verification-{verification.id}", school=school,
                subject=f"Evidence {'verified' if verified else 'not accepted'}: {item.title}",
                heading="Evidence verified" if verified else "Evidence not accepted",
                lines=[f"{adviser} has {'verified' if verified else 'not accepted'} \u201c{item.title}\u201d, evidence for the "
                       f"{item.meeting.title} on {govuk_date(item.meeting.meets_on)}."]
                + ([] if verified else [f"The reason: {verification.comment}"]),
                link=link, link_text="See the evidence")


# --- self-evaluation ----------------------------------------------------------------------------------

def self_evaluation_decided(evaluation):
    """Validated: the school sees the adviser's judgement. Returned: the school changes it and resubmits."""
    school = evaluation.school
    adviser = evaluation.decided_by.name if evaluation.decided_by else "Your adviser"
    stamp = clock.as_london(evaluation.decided_at).strftime("%Y%m%dT%H%M%S")
    if evaluation.status.value == "validated":
        return tell(_leaders(school), kind="self-evaluation-validated", event_key=f"self-evaluation-{evaluation.id}-{stamp}",
                    school=school, subject=f"Self-evaluation validated: {school.name}, {evaluation.title}",
                    heading="Self-evaluation validated",
                    lines=[f"{adviser} has validated {school.name}'s {evaluation.title} self-evaluation.",
                           "You can see their judgement beside yours for each area, and their summary."],
                    link=link_to("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id),
                    link_text="See the validated self-evaluation")
    return tell(_leaders(school), kind="self-evaluation-returned", event_key=f"self-evaluation-{evaluation.id}-{stamp}",
                school=school, subject=f"Self-evaluation returned: {school.name}, {evaluation.title}",
                heading="Self-evaluation returned to you",
                lines=[f"{adviser} has returned {school.name}'s {evaluation.title} self-evaluation with what to change:",
                       evaluation.return_comments, "Change it and submit it again."],
                link=link_to("self_evaluation.edit", school_id=school.id, evaluation_id=evaluation.id),
                link_text="Change and resubmit")


# --- review meetings ----------------------------------------------------------------------------------

def _members(meeting, actor=None):
    """Everyone expected at the meeting with an email address, except the person who made the change."""
    actor_id = getattr(actor, "id", None)
    return [m.user if m.user is not None else m.email for m in meeting.members
            if m.email and (m.user_id is None or m.user_id != actor_id)]


def invitation_for(meeting):
    """The meeting's calendar invitation as an email attachment."""
    from portal.meetings.invitations import invitation_for as invitation

    url = link_to("meetings.show", school_id=meeting.school_id, meeting_id=meeting.id)
    return ("review-meeting.ics", "text/calendar", invitation(meeting, url, clock.now()))


def _when(meeting):
    return f"{govuk_date(meeting.meets_on)} at {meeting.starts_at:%H:%M}{', ' + meeting.place if meeting.place else ''}"


def meeting_scheduled(meeting, actor=None):
    school = meeting.school
    return tell(_members(meeting, actor), kind="meeting-scheduled", event_key=f"meeting-{meeting.id}-{meeting.sequence}",
                school=school, subject=f"Booked for {govuk_date(meeting.meets_on)}: {school.name}'s {meeting.kind.label}",
                heading="Review meeting booked",
                lines=[f"{school.name}'s {meeting.title} is booked for {_when(meeting)}.",
                       "The calendar invitation is attached. The agenda comes 10 working days before; the school's evidence "
                       "is due 5 working days before."],
                link=link_to("meetings.show", school_id=school.id, meeting_id=meeting.id), link_text="See the meeting",
                attachment=invitation_for(meeting))


def year_scheduled(school, meetings, actor=None):
    """A year of meetings booked at once: one email listing the dates, not one per meeting."""
    if not meetings:
        return 0
    people = {}
    for meeting in meetings:
        for person in _members(meeting, actor):
            people.setdefault(getattr(person, "email", person).lower(), person)
    dates = [f"{meeting.title}: {_when(meeting)}" for meeting in meetings]
    return tell(list(people.values()), kind="meeting-scheduled",
                event_key="meetings-" + "-".join(str(m.id) for m in meetings), school=school,
                subject=f"{len(meetings)} review meetings booked: {school.name}", heading="Review meetings booked",
                lines=[f"{school.name}'s review meetings for the year are booked:", *dates,
                       "Each meeting's calendar invitation is on its page, and comes with the reminder 2 working days before."],
                link=link_to("meetings.index", school_id=school.id), link_text="See the meetings")


def meeting_moved(meeting, actor=None, *, reason=""):
    """Rescheduled or cancelled: the invitation with a higher SEQUENCE replaces the one in people's calendars."""
    school = meeting.school
    if meeting.is_cancelled:
        subject, heading = f"Cancelled: {school.name}'s {meeting.kind.label} on {govuk_date(meeting.meets_on)}", "Review meeting cancelled"
        lines = [f"{school.name}'s {meeting.title} on {govuk_date(meeting.meets_on)} is cancelled.",
                 f"The reason: {meeting.cancelled_reason}", "The attached cancellation removes it from your calendar."]
    else:
        subject, heading = f"Moved to {govuk_date(meeting.meets_on)}: {school.name}'s {meeting.kind.label}", "Review meeting moved"
        lines = [f"{school.name}'s {meeting.title} is now on {_when(meeting)}."] + ([f"The reason: {reason}"] if reason else []) + [
            "The attached invitation updates the entry in your calendar. Deadlines for the agenda and evidence move with it."]
    return tell(_members(meeting, actor), kind="meeting-moved", event_key=f"meeting-{meeting.id}-{meeting.sequence}",
                school=school, subject=subject, heading=heading, lines=lines,
                link=link_to("meetings.show", school_id=school.id, meeting_id=meeting.id), link_text="See the meeting",
                attachment=invitation_for(meeting))


# --- minutes ------------------------------------------------------------------------------------------

def minutes_circulated(version, meeting, actor=None):
    """The confirmer is asked to confirm; the other members get the minutes to read."""
    from portal.minutes.rules import confirmer_for

    school = meeting.school
    link = link_to("minutes.show", school_id=school.id, meeting_id=meeting.id)
    confirmer_ids = set(confirmer_for(meeting))
    confirmers = [u for u in active_people(school, {Role.GOVERNOR, Role.CHAIR_OF_GOVERNORS}) if u.id in confirmer_ids]
    about = f"the minutes of {school.name}'s {meeting.title} on {govuk_date(meeting.meets_on)}"
    asked = tell(confirmers, kind="minutes-circulated", event_key=f"minutes-{version.id}", school=school,
                 subject=f"Minutes to confirm: {school.name}'s review on {govuk_date(meeting.meets_on)}",
                 heading="Minutes awaiting your confirmation",
                 lines=[f"{about[0].upper()}{about[1:]} have been circulated.",
                        "Read them and confirm they are an accurate record, or ask for changes."],
                 link=link, link_text="Read and confirm the minutes")
    confirmer_emails = {u.email.lower() for u in confirmers}
    others = [p for p in _members(meeting, actor) if getattr(p, "email", p).lower() not in confirmer_emails]
    return asked + tell(others, kind="minutes-circulated", event_key=f"minutes-{version.id}", school=school,
                        subject=f"Minutes circulated: {school.name}'s review on {govuk_date(meeting.meets_on)}",
                        heading="Minutes circulated",
                        lines=[f"{about[0].upper()}{about[1:]} have been circulated to the members.",
                               "The chair of governors will confirm them as an accurate record."],
                        link=link, link_text="Read the minutes")


def minutes_confirmed(version, meeting, actor=None):
    """Whoever wrote them, the advisers, the headteacher and the clerk, who puts them to the full governing body."""
    school = meeting.school
    people = ([version.written_by] if version.written_by else []) + active_people(school, {Role.ADVISER, Role.HEADTEACHER, Role.CLERK})
    who = getattr(actor, "name", None) or "The chair of governors"
    return tell([p for p in people if p.id != getattr(actor, "id", None)], kind="minutes-confirmed",
                event_key=f"minutes-{version.id}", school=school,
                subject=f"Minutes confirmed: {school.name}'s review on {govuk_date(meeting.meets_on)}",
                heading="Minutes confirmed",
                lines=[f"{who} has confirmed the minutes of {school.name}'s {meeting.title} on {govuk_date(meeting.meets_on)} "
                       "as an accurate record.",
                       "Next, the minutes go on the agenda of the full governing body: record the date it receives them."],
                link=link_to("minutes.show", school_id=school.id, meeting_id=meeting.id), link_text="See the confirmed minutes")
