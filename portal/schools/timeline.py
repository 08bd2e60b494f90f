"""A school's timeline: everything that shaped its support, on one chronological page, newest first.

The timeline is a list of small *sources* (``SOURCES``): each reads one part of the school's record and returns
``Event`` objects (date, kind, title, detail, link). A new part of the record joins the timeline by adding one
``Source`` line to ``SOURCES``: nothing else changes, and the page offers a checkbox for it by itself.

Like the summary before a visit (portal/schools/summary.py), every source gathers its part in a fixed number of
statements whatever the school's history holds, so the whole page does too (tests/test_timeline.py counts them).

Who sees what follows portal/access.py: visits go through ``may_see_visit`` (governors and the clerk see a visit
once its notes are final); category decisions come from ``history`` (published decisions only, never a round's
proposal); everything else here is on pages every member of the school may read.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Callable, Iterable, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from portal import clock
from portal.extensions import db
from portal.schools.summary import academic_year_bounds
from portal.templating import govuk_date


class Link(NamedTuple):
    """Where an event's record lives: an endpoint and its URL values (the page builds the address with url_for)."""

    endpoint: str
    values: dict


@dataclass
class Event:
    on: date
    kind: str  # the key of the Source that found it ("visit", "category", ...)
    label: str  # the kind in words, shown beside the title ("Visit")
    title: str
    detail: str = ""
    link: Link | None = None
    at: datetime | None = field(default=None, compare=False)  # when in the day, if known: orders a day's events

    @property
    def academic_year(self) -> int:
        """The calendar year the event's academic year starts in (1 September to 31 August)."""
        return academic_year_bounds(self.on)[0].year

    @property
    def sort_key(self):
        moment = clock.as_london(self.at)
        return self.on, moment.time() if moment is not None and moment.date() == self.on else time.min


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    gather: Callable  # (school, user, today) -> Iterable[Event]


def year_label(start_year: int) -> str:
    return f"{start_year} to {start_year + 1}"


def _day(moment) -> date | None:
    """The London day of a stored timestamp."""
    moment = clock.as_london(moment)
    return moment.date() if moment is not None else None


def _event(source_kind, on, title, detail="", link=None, at=None) -> Event:
    return Event(on=on, kind=source_kind, label=LABELS[source_kind], title=title, detail=detail, link=link, at=at)


def _sentence(*parts) -> str:
    return " ".join(part for part in parts if part)


# --- the sources ----------------------------------------------------------------------------------------------------

def category_changes(school, user, today):
    """Published category decisions, in a round or between rounds, with the reason given."""
    from portal.categories.models import ChangeKind
    from portal.categories.rules import history

    for entry in history(school):
        how = entry.round.name if entry.round else ChangeKind.BETWEEN_ROUNDS.label
        was = f" (was {entry.previous_category.label})" if entry.previous_category else ""
        yield _event("category", entry.effective_on, f"Category: {entry.category.label}{was}",
                     _sentence(f"{how}.", f"Why: {entry.reason}" if entry.reason else "No reason recorded."),
                     Link("categories.school_history", {"school_id": school.id}), entry.decided_at)


def inspections(school, user, today):
    from portal.inspections.rules import school_inspections

    for inspection in school_inspections(school):
        if inspection.legacy_grade:
            grades = f"Overall grade: {inspection.legacy_grade}."
        elif inspection.area_grades:
            grades = "Report card: " + "; ".join(f"{key.replace('-', ' ').capitalize()}: {grade}"
                                                 for key, grade in inspection.area_grades.items()) + "."
        else:
            grades = "Report card."
        safeguarding = ("" if inspection.safeguarding_met is None
                        else f"Safeguarding {'met' if inspection.safeguarding_met else 'not met'}.")
        yield _event("inspection", inspection.inspected_on, inspection.inspection_type, _sentence(grades, safeguarding),
                     Link("inspections.index", {"school_id": school.id}))


def validated_self_evaluations(school, user, today):
    from portal.self_evaluation.models import EvaluationStatus, SelfEvaluation

    evaluations = db.session.scalars(
        select(SelfEvaluation).where(SelfEvaluation.school_id == school.id,
                                     SelfEvaluation.status == EvaluationStatus.VALIDATED,
                                     SelfEvaluation.decided_at.is_not(None))
        .options(selectinload(SelfEvaluation.decided_by))).all()
    for evaluation in evaluations:
        yield _event("self_evaluation", _day(evaluation.decided_at), f"Self-evaluation validated: {evaluation.title}",
                     f"Validated by {evaluation.decided_by.name}." if evaluation.decided_by else "",
                     Link("self_evaluation.show", {"school_id": school.id, "evaluation_id": evaluation.id}),
                     evaluation.decided_at)


def plan_agreements(school, user, today):
    """Each time the adviser agreed a plan: the first time, and again after it was amended."""
    from portal.plans.models import Plan, PlanAgreement

    agreements = db.session.scalars(
        select(PlanAgreement).join(PlanAgreement.plan).where(Plan.school_id == school.id)
        .options(contains_eager(PlanAgreement.plan), selectinload(PlanAgreement.agreed_by))
        .order_by(PlanAgreement.plan_id, PlanAgreement.agreed_at, PlanAgreement.id)).all()
    seen = set()
    for agreement in agreements:
        plan, again = agreement.plan, agreement.plan_id in seen
        seen.add(agreement.plan_id)
        title = f"{'Amended plan agreed again' if again else 'Plan agreed'}: {plan.title}"
        by = f", agreed by {agreement.agreed_by.name}" if agreement.agreed_by else ""
        yield _event("plan", _day(agreement.agreed_at), title, f"{plan.kind.label}{by}.",
                     Link("plans.show", {"school_id": school.id, "plan_id": plan.id}), agreement.agreed_at)


def review_meetings(school, user, today):
    """Meetings held (from their day on), cancelled (on the day they were to be held) and moved (on the day moved)."""
    from portal.meetings.models import ReviewMeeting

    meetings = db.session.scalars(
        select(ReviewMeeting).where(ReviewMeeting.school_id == school.id)
        .options(selectinload(ReviewMeeting.date_changes))).all()
    for meeting in meetings:
        link = Link("meetings.show", {"school_id": school.id, "meeting_id": meeting.id})
        if meeting.is_cancelled:
            yield _event("meeting", meeting.meets_on, f"Cancelled: {meeting.title}",
                         _sentence(f"It was to be held on {govuk_date(meeting.meets_on)}.",
                                   f"Why: {meeting.cancelled_reason}" if meeting.cancelled_reason else ""), link)
        elif meeting.meets_on <= today:
            where = f" at {meeting.place}" if meeting.place else ""
            chair = f", chaired by {meeting.chair}" if meeting.chair else ""
            yield _event("meeting", meeting.meets_on, f"Held: {meeting.title}",
                         f"From {meeting.starts_at:%H:%M}{where}{chair}.", link)
        for change in meeting.date_changes:
            yield _event("meeting", _day(change.changed_at), f"Moved: {meeting.title}",
                         _sentence(f"From {govuk_date(change.from_date)} to {govuk_date(change.to_date)}.",
                                   f"Why: {change.reason}" if change.reason else ""), link, change.changed_at)


def confirmed_minutes(school, user, today):
    from portal.meetings.models import ReviewMeeting
    from portal.minutes.models import MinutesStatus, MinutesVersion

    versions = db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.school_id == school.id,
                                     MinutesVersion.status == MinutesStatus.CONFIRMED,
                                     MinutesVersion.confirmed_at.is_not(None))
        .options(selectinload(MinutesVersion.meeting),
                 selectinload(MinutesVersion.confirmed_by))).all()
    for version in versions:
        meeting = version.meeting
        by = f" by {version.confirmed_by.name}" if version.confirmed_by else ""
        yield _event("minutes", _day(version.confirmed_at), f"Minutes confirmed: {meeting.title}",
                     f"The minutes of {govuk_date(meeting.meets_on)} (version {version.number}), confirmed{by}.",
                     Link("minutes.show", {"school_id": school.id, "meeting_id": meeting.id}), version.confirmed_at)


def visits(school, user, today):
    """The visits ``user`` may see: governors and the clerk only those whose notes are final."""
    from portal.access import may_see_visit
    from portal.visits.rules import school_visits

    for visit in school_visits(school):
        if not may_see_visit(user, school, visit):
            continue
        adviser = f" by {visit.adviser.name}" if visit.adviser else ""
        focus = f"Focus: {visit.focus}." if visit.focus else ""
        yield _event("visit", visit.visited_on, f"{visit.kind.label}{adviser}",
                     _sentence(focus, f"Notes: {visit.status.label}."),
                     Link("visits.show", {"school_id": school.id, "visit_id": visit.id}))


def evidence_decisions(school, user, today):
    """The adviser's verification decisions, counted per review meeting (not item by item), on the latest day."""
    from portal.evidence.models import Decision, EvidenceItem, Verification
    from portal.meetings.models import ReviewMeeting

    counts = (select(EvidenceItem.meeting_id.label("meeting_id"), Verification.decision.label("decision"),
                     func.count(Verification.id).label("number"), func.max(Verification.decided_at).label("last"))
              .select_from(Verification).join(EvidenceItem, Verification.item_id == EvidenceItem.id)
              .where(Verification.school_id == school.id)
              .group_by(EvidenceItem.meeting_id, Verification.decision).subquery())
    rows = db.session.execute(
        select(ReviewMeeting, counts.c.decision, counts.c.number, counts.c.last)
        .join(counts, counts.c.meeting_id == ReviewMeeting.id)).all()
    per_meeting = defaultdict(dict)
    for meeting, decision, number, last in rows:
        per_meeting[meeting][decision] = (number, last)
    for meeting, decided in per_meeting.items():
        last = max(clock.as_london(moment) for _, moment in decided.values())
        total = sum(number for number, _ in decided.values())
        parts = [f"{decided[d][0]} {d.label.lower()}" for d in Decision if d in decided]
        yield _event("evidence", last.date(), f"Evidence decisions: {meeting.title} ({govuk_date(meeting.meets_on)})",
                     f"{total} decision{'' if total == 1 else 's'} on the evidence for this review: {', '.join(parts)}.",
                     Link("evidence.index", {"school_id": school.id}), last)


def intervention_steps(school, user, today):
    """The LA's formal intervention steps (portal/intervention/): each on the day issued, and again when settled."""
    from portal.intervention.rules import school_steps

    for step in school_steps(school):
        link = Link("intervention.index", {"school_id": school.id, "_anchor": f"step-{step.id}"})
        due = f"To comply by {govuk_date(step.compliance_due_on)}." if step.compliance_due_on else ""
        answered = (f"Response received on {govuk_date(step.response_received_on)}."
                    if step.response_received_on else "")
        yield _event("intervention", step.issued_on, f"Issued: {step.title}",
                     _sentence(due, answered, f"Now: {step.status.label.lower()}."), link)
        if step.status.settled and step.closed_on:
            yield _event("intervention", step.closed_on, f"{step.status.label}: {step.title}",
                         f"Outcome: {step.outcome}" if step.outcome else "", link)


def support_packages(school, user, today):
    """Support packages applied to the school (portal/support/), on their trigger date."""
    from portal.support.rules import school_packages

    for package in school_packages(school):
        yield _event("support", package.trigger_on, f"Support package: {package.name}",
                     _sentence(f"From: {package.trigger_label}.", f"{len(package.activities)} activities."),
                     Link("support.index", {"school_id": school.id}))


def exit_checklists(school, user, today):
    """Exit from support (portal/exit/): recommended, and approved with the light-touch monitoring that follows."""
    from portal.exit.models import ChecklistStatus
    from portal.exit.rules import school_checklists

    for checklist in school_checklists(school):
        link = Link("exit.show", {"school_id": school.id, "checklist_id": checklist.id})
        if checklist.recommended_at is not None:
            yield _event("exit", _day(checklist.recommended_at), "Exit from support recommended", checklist.recommendation,
                         link, at=checklist.recommended_at)
        if checklist.status == ChecklistStatus.APPROVED and checklist.closed_on:
            ends = (f"Light-touch monitoring until {govuk_date(checklist.light_touch_ends_on)}."
                    if checklist.light_touch_ends_on else "")
            decided_at = checklist.decisions[-1].decided_at if checklist.decisions else None
            yield _event("exit", checklist.closed_on, "Exit from support approved", ends, link, at=decided_at)


SOURCES: list[Source] = [
    Source("category", "Category", category_changes),
    Source("inspection", "Inspection", inspections),
    Source("self_evaluation", "Self-evaluation", validated_self_evaluations),
    Source("plan", "Plan", plan_agreements),
    Source("meeting", "Review meeting", review_meetings),
    Source("minutes", "Minutes", confirmed_minutes),
    Source("visit", "Visit", visits),
    Source("evidence", "Evidence", evidence_decisions),
    Source("intervention", "Intervention", intervention_steps),
    Source("support", "Support", support_packages),
    Source("exit", "Exit", exit_checklists),
]

LABELS = {source.kind: source.label for source in SOURCES}


# --- the timeline ---------------------------------------------------------------------------------------------------

def narrow(events: Iterable[Event], *, year: int | None = None, kinds: Iterable[str] | None = None) -> list[Event]:
    """The events of academic year ``year`` (its starting calendar year) and of ``kinds`` (None: every kind)."""
    kinds = None if kinds is None else set(kinds)
    return [e for e in events if (year is None or e.academic_year == year) and (kinds is None or e.kind in kinds)]


def timeline(school, user, *, year: int | None = None, kinds: Iterable[str] | None = None, today: date | None = None
             ) -> list[Event]:
    """Everything ``user`` may see that shaped ``school``'s support, newest first.

    ``year``: only that academic year (given as the year it starts in, 2026 for 2026 to 2027); ``kinds``: only those
    sources (the others are not even read). A fixed number of statements, whatever the school's history holds.
    """
    kinds = None if kinds is None else set(kinds)
    today = today or clock.today()
    events = [event for source in SOURCES if kinds is None or source.kind in kinds
              for event in source.gather(school, user, today)]
    events.sort(key=lambda event: event.sort_key, reverse=True)
    return narrow(events, year=year)


def years_of(events: Iterable[Event]) -> list[int]:
    """The academic years the events fall in, newest first."""
    return sorted({event.academic_year for event in events}, reverse=True)
