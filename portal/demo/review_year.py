"""Brookside's agreed RAP and its year of half-termly reviews, up to the day the demo is loaded.

Every review already held has its agenda sent on time, evidence submitted and verified, progress recorded and
minutes confirmed by the chair (earlier ones also received by the full governing body, and their actions done);
the next review has evidence waiting in the adviser's queue.
"""

import io
from datetime import time, timedelta

from flask import current_app

from portal.extensions import db

PDF = b"%PDF-1.4\n% Demo evidence\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def build_review_year(calendar, brookside, users, year):
    from portal.meetings import rules as meetings
    from portal.meetings import year as meeting_year
    from portal.meetings.models import Rhythm
    from portal.plans import rules as plans
    from portal.terms.rules import term_calendar
    from portal.plans.models import PlanKind

    head, adviser = users["head.brookside@example.org"], users["adviser.north@example.org"]
    autumn1, autumn2, spring1, spring2, summer1, summer2 = year.half_terms
    begins = autumn1.starts_on
    with calendar.as_of(calendar.working_days(begins, 3), 16):
        plan = plans.create_plan(brookside, head, kind=PlanKind.RAP, title=f"Raising Achievement Plan {year.label}",
                                 academic_year=year)
        reading = plans.save_priority(plan, None, title="Raise attainment in reading for disadvantaged pupils in key stage 2",
                                      description="The gap to other pupils widened to 18 percentage points last summer.")
        plans.save_action(reading, None, description="Daily catch-up phonics for pupils below the expected standard",
                          owner="Reading lead", starts_on=begins + timedelta(days=12), due_on=summer2.ends_on - timedelta(days=5),
                          cost="2 TA hours a day")
        plans.save_action(reading, None, description="Reading fluency training for all key stage 2 staff",
                          owner="Deputy headteacher", starts_on=begins + timedelta(days=33), due_on=autumn2.ends_on - timedelta(days=7),
                          cost="£1,200")
        plans.save_criterion(reading, None, description="75% of disadvantaged pupils reach the expected standard in reading",
                             milestones={autumn1: "55%", autumn2: "60%", spring1: "63%", spring2: "67%", summer1: "71%",
                                         summer2: "75%"})
        attendance = plans.save_priority(plan, None, title="Reduce persistent absence", description="")
        plans.save_action(attendance, None, description="Weekly attendance panel with the education welfare officer",
                          owner="Headteacher", starts_on=begins + timedelta(days=5), due_on=None, cost="")
        plans.save_criterion(attendance, None, description="Persistent absence below 12%",
                             milestones={autumn1: "16%", autumn2: "15%", spring1: "14%", summer2: "12%"})
        db.session.flush()
    with calendar.as_of(calendar.working_days(begins, 6), 11):
        plans.agree(plan, adviser)
        slots = meeting_year.slots_for(year, Rhythm.HALF_TERMLY, term_calendar())
        scheduled = meeting_year.schedule_year(brookside, adviser, kind="rap_review", plan=plan,
                                               slots_and_dates=[(slot, slot.suggested) for slot in slots],
                                               starts_at=time(16), ends_at=time(17, 30),
                                               place="Brookside Primary School, staff room", chair="Alex Morgan")
        db.session.flush()
    held = [meeting for meeting in scheduled if meeting.meets_on < calendar.today]
    for number, meeting in enumerate(held):
        _hold(calendar, meeting, number, users, latest=number == len(held) - 1)
    coming = [meeting for meeting in scheduled if meeting.meets_on >= calendar.today]
    if coming:
        _prepare(calendar, coming[0], users, after=held[-1].meets_on if held else begins)
    return plan, held


def _send_agenda(calendar, meeting):
    from portal.meetings import rules as meetings

    meetings.save_agenda(meeting, "1. Progress against each success criterion\n2. Evidence from the school\n3. Next steps")
    with calendar.as_of(meetings.deadlines_for(meeting).agenda_due, 9):
        meetings.mark_agenda_sent(meeting)


def _submit_evidence(calendar, meeting, head, title, name, content, day):
    from portal.evidence import rules as evidence
    from portal.evidence.files import check_head
    from portal.evidence.storage import storage_for

    with calendar.as_of(day, 15):
        stored = storage_for(current_app.config).save(io.BytesIO(content), max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                                                      display_name=name)
        kept = evidence.keep_uploaded_file(meeting.school, head, stored, check_head(name, content), name)
        item = evidence.submit(meeting.school, head, meeting=meeting, title=title,
                               narrative=f"{title}: progress of disadvantaged pupils.",
                               criteria=meeting.plan.success_criteria[:1], files=[kept])
        db.session.flush()
    return item


def _hold(calendar, meeting, number, users, *, latest):
    """One review that has happened: agenda, evidence verified, progress, next step, minutes confirmed."""
    from portal.evidence import rules as evidence
    from portal.evidence.models import Decision
    from portal.meetings import rules as meetings
    from portal.meetings.models import Rag

    head, adviser = users["head.brookside@example.org"], users["adviser.north@example.org"]
    deadlines = meetings.deadlines_for(meeting)
    _send_agenda(calendar, meeting)
    item = _submit_evidence(calendar, meeting, head, f"Phonics tracker, {meeting.half_term.name}", "phonics-tracker.pdf", PDF,
                            calendar.working_days(deadlines.evidence_due, -1))
    with calendar.as_of(calendar.working_days(deadlines.evidence_due, 2), 14):
        evidence.decide(item, adviser, decision=Decision.VERIFIED, comment="")
    reading, absence = 54 + 4 * number, 15.5 - 0.8 * number
    with calendar.as_of(meeting.meets_on, 17, 30):
        for criterion, rag, note in zip(meeting.plan.success_criteria, (Rag.AMBER if number % 2 == 0 else Rag.GREEN, Rag.GREEN),
                                        (f"{reading}%: just below the milestone" if number % 2 == 0 else f"{reading}%: on track",
                                         f"{absence:.1f}%")):
            meetings.record_review(meeting, criterion, adviser, rag=rag, note=note)
        meetings.add_next_step(meeting, description="Share the phonics tracker with governors", owner="Reading lead",
                               due_on=meeting.meets_on + timedelta(days=21))
    _minutes(calendar, meeting, users, reading, absence, latest=latest)


def _minutes(calendar, meeting, users, reading, absence, *, latest):
    """Written the day after, circulated within 5 working days, confirmed two days later; earlier ones have been to
    the full governing body and their actions are done."""
    from portal.minutes import rules as minutes

    adviser, head = users["adviser.north@example.org"], users["head.brookside@example.org"]
    chair, clerk = users["chair.brookside@example.org"], users["clerk.brookside@example.org"]
    written_on = calendar.working_days(meeting.meets_on, 1)
    with calendar.as_of(written_on, 14):
        version = minutes.start_version(meeting, adviser)
        minutes.save_draft(
            version, attendance="Alex Morgan, LA lead (chair)\nSarah Lewis, headteacher\nMargaret Dunn, chair of governors\n"
                                "Priya Shah, adviser",
            apologies="Kwame Mensah, governor",
            discussion=[{"priority": p.title, "text": text} for p, text in zip(meeting.plan.priorities, (
                f"Phonics data shows {reading}% of disadvantaged pupils on track. Catch-up groups now run every day.",
                f"Persistent absence is {absence:.1f}%. The weekly panel is working."))],
            decisions="Catch-up phonics continues daily. Governors to visit a session before the next review.",
            summary="", actions=[("Share the phonics tracker with governors", head, "", meeting.meets_on + timedelta(days=21)),
                                 ("Visit a catch-up phonics session", chair, "", meeting.meets_on + timedelta(days=28))])
        db.session.flush()
    with calendar.as_of(calendar.working_days(meeting.meets_on, 5), 16):
        minutes.circulate(version, meeting)
    confirmed_on = calendar.working_days(meeting.meets_on, 7)
    with calendar.as_of(confirmed_on, 9, 30):
        minutes.confirm(version, meeting, chair)
    governing_body_on = confirmed_on + timedelta(days=14)
    if not latest and governing_body_on < calendar.today:
        with calendar.as_of(governing_body_on, 20):
            minutes.record_governing_body(version, clerk, governing_body_on)
            for action in version.actions:
                minutes.mark_action_done(action, action.owner)


def _prepare(calendar, meeting, users, *, after):
    """The next review: its agenda sent if it was due already, and the school's evidence waiting for the adviser."""
    from portal.meetings import rules as meetings

    deadlines = meetings.deadlines_for(meeting)
    if deadlines.agenda_due < calendar.today:
        _send_agenda(calendar, meeting)
    csv_text = "Pupil group,Last review,Now\nDisadvantaged,58%,61%\nOther,71%,73%\n".encode()
    submitted_on = max(calendar.working_days(calendar.today, -2), after + timedelta(days=1))
    _submit_evidence(calendar, meeting, users["head.brookside@example.org"], f"Reading assessment, {meeting.half_term.name}",
                     "reading-assessment.csv", csv_text, calendar.past(submitted_on))
