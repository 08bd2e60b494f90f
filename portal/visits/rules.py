"""Visit rules: recording a visit, writing and issuing its notes, the school's accuracy check, corrections,
and notes becoming final. Deadlines are in working days (``portal.working_days``), set by the LA.

The states: draft → issued → final (accurate, or not answered in time), or issued → corrections →
final (the adviser accepted each correction, writing a new version, or kept the text with a reply).
"""

import copy
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal import clock
from portal.plans.models import Plan, PlanStatus, Priority
from portal.schools.rules import active_people
from portal.schools.models import Role, School, SchoolRole
from portal.support.models import SupportActivity
from portal.support.rules import activity_choice_label, count_visit_days, open_activities
from portal.templating import govuk_date
from portal.terms.rules import closure_days, deadline_settings
from portal.clock import as_london
from portal.visits.models import (
    AccuracyResponse,
    Correction,
    CorrectionOutcome,
    FinalReason,
    NotesStatus,
    NotesVersion,
    Verdict,
    Visit,
    VisitKind,
)
from portal.working_days import shift_working_days

MAX_NEXT_STEPS = 20


# --- deadlines ------------------------------------------------------------------------

def notes_due_on(visit, settings=None, closures=None) -> date:
    """Notes are due so many working days after the visit (5 unless the LA changed it)."""
    settings = settings or deadline_settings()
    closures = closure_days() if closures is None else closures
    return shift_working_days(visit.visited_on, settings.notes_days, closures)


def notes_overdue_before(today: date, settings=None, closures=None) -> date:
    """Draft notes of a visit before this day are overdue on ``today``: the same rule as ``notes_due_on(visit) < today``,
    as one date a query can compare ``Visit.visited_on`` with (the due date is the notes_days-th working day after the
    visit, so it is before today exactly when the visit is before the notes_days-th working day before today)."""
    settings = settings or deadline_settings()
    closures = closure_days() if closures is None else closures
    return shift_working_days(today, -settings.notes_days, closures)


def response_due_from(issued_on: date, settings=None, closures=None) -> date:
    """The school answers for accuracy within so many working days of the notes being issued."""
    settings = settings or deadline_settings()
    closures = closure_days() if closures is None else closures
    return shift_working_days(issued_on, settings.notes_response_days, closures)


# --- what a visit can look at -----------------------------------------------------------

def section_key(priority=None, criterion=None) -> str:
    return f"c{criterion.id}" if criterion is not None else f"p{priority.id}"


def focus_options(plan):
    """The plan's priorities and success criteria a visit can look at: [(key, heading)] in plan order."""
    if plan is None:
        return []
    options = []
    for number, priority in enumerate(plan.priorities, start=1):
        options.append((section_key(priority), f"Priority {number}: {priority.title}"))
        for criterion in priority.success_criteria:
            options.append((section_key(criterion=criterion), f"Success criterion (priority {number}): {criterion.description}"))
    return options


def current_plan(school):
    """The plan a visit is tied to: the school's newest agreed plan, else its newest plan."""
    plans = db.session.scalars(
        select(Plan).where(Plan.school_id == school.id)
        .options(selectinload(Plan.priorities).selectinload(Priority.success_criteria))
        .order_by(Plan.created_at.desc(), Plan.id.desc())
    ).all()
    agreed = [p for p in plans if p.status in (PlanStatus.AGREED, PlanStatus.AMENDED)]
    return (agreed or plans or [None])[0]


def _sections_for(plan, keys, existing=()):
    """Sections in plan order for the chosen keys, keeping anything already written under a kept key."""
    written = {section["key"]: section for section in existing}
    headings = dict(focus_options(plan))
    unknown = [key for key in keys if key not in headings]
    if unknown:
        raise RuleBroken("Choose priorities and success criteria from the school's plan", "looked_at")
    sections = []
    for key, heading in focus_options(plan):
        if key not in keys:
            continue
        section = written.get(key) or {"seen": "", "strengths": "", "next_steps": []}
        sections.append({**section, "key": key, "heading": heading,
                         "priority_id": int(key[1:]) if key[0] == "p" else None,
                         "criterion_id": int(key[1:]) if key[0] == "c" else None})
    return sections


def _check_details(school, plan, *, visited_on, kind, focus_priority, today):
    if visited_on is None:
        raise RuleBroken("Enter the date of the visit", "visited_on")
    if visited_on > today:
        raise RuleBroken("The date of the visit must be today or in the past: record a visit once it has happened", "visited_on")
    if not isinstance(kind, VisitKind):
        raise RuleBroken("Choose the type of visit", "kind")
    if kind == VisitKind.FOCUS:
        if focus_priority is None:
            raise RuleBroken("Choose the priority this focus visit is on", "focus_priority_id")
        if plan is None or focus_priority not in plan.priorities:
            raise RuleBroken("Choose a priority from the school's plan", "focus_priority_id")


# --- recording the visit and writing the notes -----------------------------------------

def record_visit(school, adviser, *, visited_on, kind, people_seen="", looked_at=(), focus_priority=None, plan=None,
                 today=None, support_activity=None, support_days=None, confirm_over=False) -> Visit:
    """A new visit with draft notes: one section for each priority or success criterion it looked at; with the
    support activity it delivered, its days are counted in that activity's days used."""
    today = today or clock.today()
    plan = plan if plan is not None else current_plan(school)
    _check_details(school, plan, visited_on=visited_on, kind=kind, focus_priority=focus_priority, today=today)
    visit = Visit(school_id=school.id, plan=plan, visited_on=visited_on, kind=kind, people_seen=(people_seen or "").strip(),
                  focus_priority_id=focus_priority.id if kind == VisitKind.FOCUS else None,
                  focus=focus_priority.title if kind == VisitKind.FOCUS else "", adviser_id=getattr(adviser, "id", None),
                  status=NotesStatus.DRAFT,
                  draft={"summary": "", "sections": _sections_for(plan, list(looked_at))})
    count_visit_days(visit, support_activity, support_days, confirm_over=confirm_over)
    db.session.add(visit)
    return visit


def support_choices(school, visit=None):
    """The support activities a visit to ``school`` can have delivered: its activities not yet done (and the visit's
    own, though marked done since), as [(activity, label)]; empty when the school has none."""
    return [(activity, activity_choice_label(activity))
            for activity in open_activities(school, also=visit.support_activity if visit is not None else None)]


def chosen_support_activity(support, activity_id):
    """The activity picked from ``support_choices`` (None for none); one not offered is refused, not ignored."""
    if not activity_id:
        return None
    chosen = next((activity for activity, _label in support if activity.id == activity_id), None)
    if chosen is None:
        raise RuleBroken("Choose one of the school's support activities still to do", "support_activity_id")
    return chosen


def _require_draft(visit):
    if visit.status != NotesStatus.DRAFT:
        raise RuleBroken("These notes have been issued: they cannot be changed here")


def change_details(visit, *, visited_on, kind, people_seen="", looked_at=(), focus_priority=None, today=None,
                   support_activity=None, support_days=None, confirm_over=False):
    """While the notes are a draft: the date, type, people seen, what the visit looked at, and the support activity
    it delivered with the days it used (a change moves the days between activities; nothing is counted twice)."""
    _require_draft(visit)
    today = today or clock.today()
    _check_details(visit.school, visit.plan, visited_on=visited_on, kind=kind, focus_priority=focus_priority, today=today)
    count_visit_days(visit, support_activity, support_days, confirm_over=confirm_over)
    visit.visited_on, visit.kind, visit.people_seen = visited_on, kind, (people_seen or "").strip()
    visit.focus_priority_id = focus_priority.id if kind == VisitKind.FOCUS else None
    visit.focus = focus_priority.title if kind == VisitKind.FOCUS else ""
    draft = copy.deepcopy(visit.draft or {})
    draft["sections"] = _sections_for(visit.plan, list(looked_at), draft.get("sections", []))
    visit.draft = draft


@dataclass
class NextStep:
    description: str
    owner: str
    due_on: date | None


def save_notes(visit, *, summary: str, sections: dict):
    """Save the draft. ``sections`` maps each section key to {seen, strengths, next_steps: [NextStep]}."""
    _require_draft(visit)
    draft = copy.deepcopy(visit.draft or {"sections": []})
    draft["summary"] = (summary or "").strip()
    for section in draft.get("sections", []):
        written = sections.get(section["key"])
        if written is None:
            continue
        steps = []
        for number, step in enumerate(written.get("next_steps", []), start=1):
            description, owner = (step.description or "").strip(), (step.owner or "").strip()
            if not description and (owner or step.due_on):
                raise RuleBroken(f"{section['heading']}: describe next step {number}, or clear its owner and date",
                                 f"{section['key']}:{number}")
            if description:
                steps.append({"description": description, "owner": owner,
                              "due_on": step.due_on.isoformat() if step.due_on else None})
        if len(steps) > MAX_NEXT_STEPS:
            raise RuleBroken(f"{section['heading']}: at most {MAX_NEXT_STEPS} next steps", f"{section['key']}:1")
        section.update(seen=(written.get("seen") or "").strip(), strengths=(written.get("strengths") or "").strip(),
                       next_steps=steps)
    visit.draft = draft


def _has_words(content) -> bool:
    return bool(content.get("summary")) or any(
        section.get("seen") or section.get("strengths") or section.get("next_steps") for section in content.get("sections", []))


def issued_content(visit) -> dict:
    """What version 1 records: the visit's details as well as the notes, so the record stands alone."""
    return {**copy.deepcopy(visit.draft or {}), "kind": visit.kind.value, "visited_on": visit.visited_on.isoformat(),
            "people_seen": visit.people_seen, "focus": visit.focus}


def issue(visit, adviser, *, today=None, now=None) -> NotesVersion:
    """Issue the notes to the school for a factual accuracy check: version 1, and the response clock starts."""
    _require_draft(visit)
    if not _has_words(visit.draft or {}):
        raise RuleBroken("Write the notes before issuing them: a summary, or what was seen under a priority", "summary")
    today, now = today or clock.today(), now or clock.now()
    version = NotesVersion(number=1, school_id=visit.school_id, content=issued_content(visit), reason="Issued to the school",
                           created_by_id=getattr(adviser, "id", None), created_at=now)
    visit.versions.append(version)
    visit.status = NotesStatus.ISSUED
    visit.issued_at = now
    visit.response_due_on = response_due_from(today)
    return version


# --- passages: what the school can say is inaccurate --------------------------------------

def _next_step_text(step) -> str:
    details = [part for part in (step.get("owner"), _due_text(step.get("due_on"))) if part]
    return step["description"] + (f" ({'; '.join(details)})" if details else "")


def _due_text(value):
    return f"by {govuk_date(value)}" if value else ""


def passages(content) -> list[tuple[str, str, str]]:
    """Every passage of a version in reading order: (key, heading, text). Empty passages are left out."""
    found = []
    if content.get("summary"):
        found.append(("summary", "Summary", content["summary"]))
    for section in content.get("sections", []):
        key, heading = section["key"], section["heading"]
        if section.get("seen"):
            found.append((f"{key}.seen", f"{heading}: what was seen", section["seen"]))
        if section.get("strengths"):
            found.append((f"{key}.strengths", f"{heading}: strengths", section["strengths"]))
        for number, step in enumerate(section.get("next_steps", []), start=1):
            found.append((f"{key}.step{number}", f"{heading}: next step {number}", _next_step_text(step)))
    return found


def _apply_correction(content, key, text):
    """A copy of ``content`` with one passage replaced by the accepted correction."""
    if key == "summary":
        content["summary"] = text
        return
    section_id, part = key.split(".", 1)
    section = next(s for s in content["sections"] if s["key"] == section_id)
    if part in ("seen", "strengths"):
        section[part] = text
    else:  # "stepN": the correction replaces the step's wording; its owner and date stay
        section["next_steps"][int(part[4:]) - 1]["description"] = text


# --- the school's answer, and the adviser's ----------------------------------------------

def respond(visit, user, *, verdict: Verdict, corrections: dict, comment: str = "", today=None, now=None) -> AccuracyResponse:
    """The headteacher or a senior leader answers: accurate (final now), or inaccurate with corrections."""
    today, now = today or clock.today(), now or clock.now()
    finalise_if_unanswered(visit, today)
    if visit.status != NotesStatus.ISSUED:
        raise RuleBroken("These notes are not waiting for an accuracy check", "verdict")
    if not isinstance(verdict, Verdict):
        raise RuleBroken("Say whether the notes are accurate", "verdict")
    version = visit.latest_version
    written = {key: (text or "").strip() for key, text in (corrections or {}).items() if (text or "").strip()}
    if verdict == Verdict.INACCURATE and not written:
        raise RuleBroken("Write a correction for at least one passage that is inaccurate", "corrections")
    response = AccuracyResponse(school_id=visit.school_id, version_number=version.number, verdict=verdict,
                                comment=(comment or "").strip(), responded_by_id=getattr(user, "id", None), responded_at=now)
    if verdict == Verdict.INACCURATE:
        for key, heading, text in passages(version.content):
            if key in written:
                response.corrections.append(Correction(school_id=visit.school_id, passage_key=key, passage_heading=heading[:400],
                                                       original_text=text, correction=written[key]))
        visit.status = NotesStatus.CORRECTIONS
    else:
        _make_final(visit, FinalReason.ACCURATE, now)
    visit.responses.append(response)
    return response


def consider_corrections(visit, adviser, *, decisions: dict) -> NotesVersion | None:
    """The adviser accepts each correction (a new version) or keeps the text with a reply; then the notes are final.

    ``decisions`` maps a correction id to (CorrectionOutcome.ACCEPTED or KEPT, reply).
    """
    if visit.status != NotesStatus.CORRECTIONS:
        raise RuleBroken("There are no corrections to consider on these notes")
    pending = [c for c in visit.latest_response.corrections if c.outcome == CorrectionOutcome.PENDING]
    for correction in pending:
        outcome, reply = decisions.get(correction.id, (None, ""))
        if outcome not in (CorrectionOutcome.ACCEPTED, CorrectionOutcome.KEPT):
            raise RuleBroken(f"{correction.passage_heading}: accept the correction or keep the text", f"outcome_{correction.id}")
        if outcome == CorrectionOutcome.KEPT and not (reply or "").strip():
            raise RuleBroken(f"{correction.passage_heading}: say why the text is kept", f"reply_{correction.id}")
    new_version = None
    accepted = [c for c in pending if decisions[c.id][0] == CorrectionOutcome.ACCEPTED]
    if accepted:
        content = copy.deepcopy(visit.latest_version.content)
        for correction in accepted:
            _apply_correction(content, correction.passage_key, correction.correction)
        responder = visit.latest_response.responded_by
        new_version = NotesVersion(
            number=visit.latest_version.number + 1, school_id=visit.school_id, content=content,
            reason=f"Corrections accepted from the school's accuracy check"
                   f"{' by ' + responder.name if responder else ''}: {', '.join(c.passage_heading for c in accepted)}",
            created_by_id=getattr(adviser, "id", None), created_at=clock.now())
        visit.versions.append(new_version)
    for correction in pending:
        outcome, reply = decisions[correction.id]
        correction.outcome, correction.reply = outcome, (reply or "").strip()
        correction.decided_by_id, correction.decided_at = getattr(adviser, "id", None), clock.now()
    _make_final(visit, FinalReason.CORRECTIONS_CONSIDERED)
    return new_version


def _make_final(visit, reason: FinalReason, now=None):
    visit.status, visit.final_reason, visit.final_at = NotesStatus.FINAL, reason, now or clock.now()


def finalise_if_unanswered(visit, today=None) -> bool:
    """Issued notes the school has not answered by the response date are final the next day, and say so."""
    today = today or clock.today()
    if visit.status == NotesStatus.ISSUED and visit.response_due_on is not None and today > visit.response_due_on:
        _make_final(visit, FinalReason.NO_RESPONSE)
        return True
    return False


def finalise_unanswered(today=None) -> int:
    """For the scheduler: make final every issued set of notes past its response date. Returns how many."""
    today = today or clock.today()
    overdue = db.session.scalars(select(Visit).where(Visit.status == NotesStatus.ISSUED, Visit.response_due_on < today)).all()
    for visit in overdue:
        finalise_if_unanswered(visit, today)
    return len(overdue)


def final_statement(visit) -> str:
    """What the final notes say about how they became final."""
    if visit.status != NotesStatus.FINAL:
        return ""
    when = as_london(visit.final_at).date()
    day = govuk_date(when)
    response = visit.latest_response
    if visit.final_reason == FinalReason.ACCURATE:
        who = response.responded_by.name if response and response.responded_by else "the school"
        return f"Confirmed accurate by {who} on {day}."
    if visit.final_reason == FinalReason.NO_RESPONSE:
        due = visit.response_due_on
        return (f"The school did not answer the accuracy check by {govuk_date(due)}, "
                f"so these notes became final on {day}.")
    return f"The adviser considered the school's corrections on {day}."


# --- reading ----------------------------------------------------------------------------

def load_visit(school, visit_id):
    from portal.evidence.models import Verification

    return db.session.scalar(
        select(Visit).where(Visit.id == visit_id, Visit.school_id == school.id)
        .options(selectinload(Visit.versions).selectinload(NotesVersion.created_by),
                 selectinload(Visit.responses).selectinload(AccuracyResponse.corrections).selectinload(Correction.decided_by),
                 selectinload(Visit.responses).selectinload(AccuracyResponse.responded_by),
                 selectinload(Visit.attachments), selectinload(Visit.verifications).selectinload(Verification.item),
                 selectinload(Visit.adviser), selectinload(Visit.support_activity).selectinload(SupportActivity.package),
                 selectinload(Visit.plan).selectinload(Plan.priorities).selectinload(Priority.success_criteria))
    )


def school_visits(school, *, final_only=False):
    query = (select(Visit).where(Visit.school_id == school.id).options(selectinload(Visit.adviser))
             .order_by(Visit.visited_on.desc(), Visit.id.desc()))
    if final_only:
        query = query.where(Visit.status == NotesStatus.FINAL)
    return db.session.scalars(query).all()


def visits_of_plan(plan, user):
    """The visits tied to a plan that ``user`` may see (governors: final notes only), newest first."""
    from portal.access import may_see_visit

    visits = db.session.scalars(select(Visit).where(Visit.plan_id == plan.id)
                                .order_by(Visit.visited_on.desc(), Visit.id.desc())).all()
    return [visit for visit in visits if may_see_visit(user, plan.school, visit)]


@dataclass
class NotesToDo:
    visit: Visit
    what: str          # "Notes due", "Corrections to consider", "Accuracy check"
    due_on: date | None
    overdue: bool


def notes_to_act_on(user, today=None) -> list[NotesToDo]:
    """For a home page: notes this adviser owes or must reconsider; notes this school leader must check."""
    today = today or clock.today()
    from portal.access import school_ids_where

    advises = school_ids_where(user, Role.ADVISER)
    leads = school_ids_where(user, Role.HEADTEACHER, Role.SENIOR_LEADER)
    if not advises and not leads:
        return []
    visits = db.session.scalars(
        select(Visit).where(
            (Visit.school_id.in_(advises) & Visit.status.in_([NotesStatus.DRAFT, NotesStatus.CORRECTIONS]))
            | (Visit.school_id.in_(leads) & (Visit.status == NotesStatus.ISSUED)))
        .options(joinedload(Visit.school))
    ).all()
    settings, closures = deadline_settings(), closure_days()
    found = []
    for visit in visits:
        if visit.status == NotesStatus.DRAFT:
            due = notes_due_on(visit, settings, closures)
            found.append(NotesToDo(visit, "Notes of visit due", due, due < today))
        elif visit.status == NotesStatus.CORRECTIONS:
            found.append(NotesToDo(visit, "Corrections to consider", None, False))
        elif visit.response_due_on is None or visit.response_due_on >= today:
            found.append(NotesToDo(visit, "Check the notes of visit for accuracy", visit.response_due_on, False))
    return sorted(found, key=lambda item: (not item.overdue, item.due_on or today, item.visit.school.name))


def school_leaders(school):
    """Who the notes go to: the headteacher, or the senior leaders when the school has no headteacher account."""
    return active_people(school, {Role.HEADTEACHER}) or active_people(school, {Role.SENIOR_LEADER})


def advisers_of(school):
    return active_people(school, {Role.ADVISER})


def unlinked_verifications(visit, days=14):
    """The school's verification decisions not yet tied to a visit, made within ``days`` of it."""
    from datetime import datetime, time, timedelta

    from portal.evidence.models import EvidenceItem, Verification
    from portal.clock import LONDON

    start = datetime.combine(visit.visited_on - timedelta(days=days), time.min, tzinfo=LONDON)
    end = datetime.combine(visit.visited_on + timedelta(days=days + 1), time.min, tzinfo=LONDON)
    return db.session.scalars(
        select(Verification)
        .where(Verification.school_id == visit.school_id, Verification.visit_id.is_(None),
               Verification.decided_at >= start, Verification.decided_at < end)
        .options(selectinload(Verification.item).selectinload(EvidenceItem.criteria), selectinload(Verification.decided_by))
        .order_by(Verification.decided_at.desc())
    ).all()


def link_verifications(visit, verification_ids):
    """Tie decisions made during the visit to it, so the evidence and the visit tell the same story."""
    from portal.evidence.models import Verification

    if not verification_ids:
        raise RuleBroken("Choose the verification decisions made during this visit", "verification_ids")
    chosen = db.session.scalars(select(Verification).where(
        Verification.id.in_(verification_ids), Verification.school_id == visit.school_id, Verification.visit_id.is_(None))).all()
    if len(chosen) != len(set(verification_ids)):
        raise RuleBroken("Choose decisions about this school's evidence that are not already linked to a visit", "verification_ids")
    for verification in chosen:
        verification.visit_id = visit.id
    return chosen


def attach_files(visit, files):
    """Files uploaded while the notes are a draft become part of the visit record."""
    _require_draft(visit)
    for evidence_file in files:
        evidence_file.visit_id = visit.id


def remove_attachment(visit, stored_file) -> str:
    """While the notes are a draft, a file attached by mistake can go. Returns its storage key to delete after commit."""
    _require_draft(visit)
    if stored_file is None or stored_file.visit_id != visit.id:
        raise RuleBroken("That file is not attached to this visit")
    key = stored_file.storage_key
    db.session.delete(stored_file)
    return key
