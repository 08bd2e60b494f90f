"""Exit rules: the LA's exit criteria, a school's exit checklist, the adviser's recommendation, the LA admin's decision.

One checklist at a time is open at a school (open, or recommended and waiting for the LA). The adviser (or the LA
admin) answers every criterion met or not yet, with a note and links to evidence the portal holds, then recommends
exit to a category needing less support than the school's current one. The LA admin approves (the category changes
between rounds, light-touch monitoring starts for the number of terms the LA sets, the checklist closes) or declines
(the checklist is open again for more work, with the reason kept).
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.categories.rules import change_between_rounds, current_entry
from portal.categories.schemes import category_in, current_version
from portal.errors_domain import RuleBroken
from portal.exit.light_touch import light_touch_ends_on
from portal.exit.models import (
    Answer,
    ChecklistStatus,
    DecisionOutcome,
    ExitAnswer,
    ExitChecklist,
    ExitCriterion,
    ExitDecision,
)
from portal.extensions import db

READY_MADE = Path(__file__).resolve().parent / "ready_made.json"
TITLE_LIMIT = 200
DEFAULT_LIGHT_TOUCH_TERMS = 2
MOST_LIGHT_TOUCH_TERMS = 9
STILL_OPEN = (ChecklistStatus.OPEN, ChecklistStatus.RECOMMENDED)


# --- the LA's exit criteria -----------------------------------------------------------------------------------------

def all_criteria():
    """Every criterion, in the LA's order: the ones in use first, then the retired."""
    return db.session.scalars(select(ExitCriterion).order_by(ExitCriterion.retired_at.is_not(None), ExitCriterion.position,
                                                             ExitCriterion.id)).all()


def active_criteria():
    return db.session.scalars(select(ExitCriterion).where(ExitCriterion.retired_at.is_(None))
                              .order_by(ExitCriterion.position, ExitCriterion.id)).all()


def save_criterion(criterion, *, title, meaning=""):
    """A new criterion (``criterion`` None: it goes last) or a change to one. Open checklists pick the change up."""
    title, meaning = (title or "").strip(), (meaning or "").strip()
    if not title:
        raise RuleBroken("Enter the criterion", "title")
    if len(title) > TITLE_LIMIT:
        raise RuleBroken(f"The criterion must be {TITLE_LIMIT} characters or fewer", "title")
    clash = db.session.scalar(select(ExitCriterion).where(func.lower(ExitCriterion.title) == title.lower(),
                                                          ExitCriterion.retired_at.is_(None)))
    if clash is not None and clash is not criterion:
        raise RuleBroken("There is already a criterion with that wording", "title")
    if criterion is None:
        last = db.session.scalar(select(func.max(ExitCriterion.position))) or 0
        criterion = ExitCriterion(position=last + 1)
        db.session.add(criterion)
    criterion.title, criterion.meaning = title, meaning
    return criterion


def retire_criterion(criterion):
    """No new checklist asks it; checklists that have an answer to it keep it."""
    if criterion.retired_at is None:
        criterion.retired_at = clock.now()
    return criterion


def restore_criterion(criterion):
    if criterion.retired_at is not None:
        clash = db.session.scalar(select(ExitCriterion).where(func.lower(ExitCriterion.title) == criterion.title.lower(),
                                                              ExitCriterion.retired_at.is_(None)))
        if clash is not None:
            raise RuleBroken("A criterion in use has the same wording: change one of them first")
        criterion.retired_at = None
    return criterion


def ready_made():
    with READY_MADE.open(encoding="utf-8") as source:
        return json.load(source)


def add_ready_made():
    """The ready-made criteria, when the LA has none yet (retired ones count: the LA has started its own list)."""
    if db.session.scalar(select(func.count(ExitCriterion.id))):
        raise RuleBroken("The ready-made criteria can only be added when the list is empty")
    return [save_criterion(None, title=item["title"], meaning=item["meaning"]) for item in ready_made()["criteria"]]


def load_criterion(criterion_id):
    return db.session.get(ExitCriterion, criterion_id)


# --- a school's checklists ------------------------------------------------------------------------------------------

def _with_answers(query):
    return query.options(selectinload(ExitChecklist.answers), selectinload(ExitChecklist.decisions)
                         .selectinload(ExitDecision.decided_by), selectinload(ExitChecklist.recommended_category),
                         selectinload(ExitChecklist.recommended_by))


def school_checklists(school):
    """Every checklist at the school, the open one first, then newest first."""
    return db.session.scalars(_with_answers(select(ExitChecklist).where(ExitChecklist.school_id == school.id))
                              .order_by(ExitChecklist.status == ChecklistStatus.APPROVED, ExitChecklist.id.desc())).all()


def open_checklist(school):
    return db.session.scalar(_with_answers(select(ExitChecklist).where(ExitChecklist.school_id == school.id,
                                                                       ExitChecklist.status.in_(STILL_OPEN))))


def load_checklist(school, checklist_id):
    return db.session.scalar(_with_answers(select(ExitChecklist).where(ExitChecklist.id == checklist_id,
                                                                       ExitChecklist.school_id == school.id)))


def start_checklist(school, user):
    """A new open checklist asking every criterion in use (one open checklist at a time)."""
    if open_checklist(school) is not None:
        raise RuleBroken(f"{school.name} already has an exit checklist open")
    criteria = active_criteria()
    if not criteria:
        raise RuleBroken("The LA has no exit criteria yet: the LA admin adds them first")
    checklist = ExitChecklist(school_id=school.id, status=ChecklistStatus.OPEN, started_by_id=getattr(user, "id", None))
    checklist.answers = [ExitAnswer(criterion_id=c.id, position=c.position, title=c.title, meaning=c.meaning)
                         for c in criteria]
    db.session.add(checklist)
    db.session.flush()
    return checklist


def _sync_plan(checklist, criteria):
    """What following the LA's list means for an open checklist: [(answer, its criterion or None)] to keep, the
    answers to drop (blank ones whose criterion is retired) and the criteria to add (new ones not on it yet)."""
    keep, drop, held = [], [], set()
    for answer in checklist.answers:
        held.add(answer.criterion_id)
        criterion = criteria.get(answer.criterion_id)
        if criterion is not None and criterion.is_retired and answer.is_blank:
            drop.append(answer)
        else:
            keep.append((answer, criterion))
    add = [c for c in sorted(criteria.values(), key=lambda c: (c.position, c.id)) if not c.is_retired and c.id not in held]
    return keep, drop, add


def criteria_by_id():
    """{id: criterion} of every criterion, retired ones too (one query for several checklists' ``checklist_rows``)."""
    return {c.id: c for c in db.session.scalars(select(ExitCriterion))}


def sync_criteria(checklist):
    """While a checklist is open it follows the LA's list: new criteria join it, wording changes reach it, and a
    retired criterion leaves it unless it has been answered. Recommended or closed checklists stay as they are.
    This writes: only POST actions call it (answering, recommending); pages show ``checklist_rows`` instead."""
    if checklist.status != ChecklistStatus.OPEN:
        return checklist
    keep, drop, add = _sync_plan(checklist, criteria_by_id())
    for answer in drop:
        checklist.answers.remove(answer)
    for answer, criterion in keep:
        if criterion is not None:
            answer.title, answer.meaning, answer.position = criterion.title, criterion.meaning, criterion.position
    for criterion in add:
        checklist.answers.append(ExitAnswer(criterion_id=criterion.id, position=criterion.position,
                                            title=criterion.title, meaning=criterion.meaning))
    if any(a is not b for a, b in zip(sorted(checklist.answers, key=_answer_order), checklist.answers)):
        checklist.answers.sort(key=_answer_order)  # only when it changes: callers may be looping over the answers
    return checklist


def _answer_order(answer):
    return answer.position, answer.criterion_id


@dataclass(frozen=True)
class ChecklistRow:
    """One criterion as a page shows it: its answer (``held``), or a criterion the LA added since the checklist was
    last changed (``held`` None), answered like any other; answering it adds it to the checklist."""

    criterion_id: int
    title: str
    meaning: str
    position: int
    held: ExitAnswer | None = None

    @property
    def answer(self):
        return self.held.answer if self.held is not None else None

    @property
    def note(self):
        return self.held.note if self.held is not None else ""

    @property
    def is_new(self):
        return self.held is None

    @property
    def anchor(self):
        return f"answer-{self.held.id}" if self.held is not None else f"criterion-{self.criterion_id}"


def checklist_rows(checklist, criteria=None) -> list[ChecklistRow]:
    """The criteria as ``sync_criteria`` would leave the checklist, without changing it: a GET never writes, yet an
    open checklist shows the LA's current wording and the criteria added since. ``criteria``: {id: criterion}, to
    share one query between checklists. Recommended or closed checklists show their answers as kept."""
    if checklist.status != ChecklistStatus.OPEN:
        return [ChecklistRow(a.criterion_id, a.title, a.meaning, a.position, a) for a in checklist.answers]
    keep, _, add = _sync_plan(checklist, criteria_by_id() if criteria is None else criteria)
    rows = [ChecklistRow(a.criterion_id, c.title if c else a.title, c.meaning if c else a.meaning,
                         c.position if c else a.position, a) for a, c in keep]
    rows += [ChecklistRow(c.id, c.title, c.meaning, c.position) for c in add]
    return sorted(rows, key=lambda row: (row.position, row.criterion_id))


def new_criterion_for(checklist, criterion_id):
    """A criterion in use that the open checklist does not ask yet (it was added to the LA's list since), or None."""
    if checklist.status != ChecklistStatus.OPEN:
        return None
    return next((row for row in checklist_rows(checklist) if row.is_new and row.criterion_id == criterion_id), None)


def answer_for_criterion(checklist, criterion_id):
    """The checklist's answer row for a criterion added since it started: brings the checklist up to the LA's list
    first (a POST, so the new row is written and audited with the answer)."""
    _require_open(checklist, "its answers can no longer change")
    sync_criteria(checklist)
    answer = next((a for a in checklist.answers if a.criterion_id == criterion_id), None)
    if answer is None:
        raise RuleBroken("The LA has retired this criterion since: it is no longer on the checklist", "answer")
    return answer


def _require_open(checklist, what):
    if checklist.status == ChecklistStatus.RECOMMENDED:
        raise RuleBroken(f"Exit has been recommended and the LA has not decided yet: {what}")
    if checklist.status != ChecklistStatus.OPEN:
        raise RuleBroken(f"This checklist is closed: {what}")


# --- evidence held in the portal ------------------------------------------------------------------------------------

EVIDENCE_KINDS = {
    "self_evaluation": "Latest validated self-evaluation",
    "plan": "Agreed plan",
    "verification": "Verification record this half term",
    "minutes": "Confirmed minutes of review meetings",
    "visit": "Notes of visit",
}


@dataclass(frozen=True)
class EvidenceLink:
    kind: str
    id: int
    title: str
    on: date | None
    endpoint: str | None = None
    values: tuple = ()

    @property
    def value(self):
        return f"{self.kind}:{self.id}"

    @property
    def kind_label(self):
        return EVIDENCE_KINDS[self.kind]

    @property
    def url_values(self):
        return dict(self.values)


def _as_day(moment):
    moment = clock.as_london(moment) if moment is not None else None
    return moment.date() if moment is not None else None


def _half_term_for(today):
    """The half term ``today`` falls in, or in a holiday the one just ended (None without term dates)."""
    from portal.terms.models import HalfTerm

    return db.session.scalar(select(HalfTerm).where(HalfTerm.starts_on <= today)
                             .order_by(HalfTerm.starts_on.desc()).limit(1))


def _self_evaluation_links(school, ids=None):
    from portal.self_evaluation.models import EvaluationStatus, SelfEvaluation

    query = select(SelfEvaluation).where(SelfEvaluation.school_id == school.id,
                                         SelfEvaluation.status == EvaluationStatus.VALIDATED)
    query = query.where(SelfEvaluation.id.in_(ids)) if ids is not None else \
        query.order_by(SelfEvaluation.decided_at.desc(), SelfEvaluation.id.desc()).limit(1)
    return [EvidenceLink("self_evaluation", e.id, e.title, _as_day(e.decided_at), "self_evaluation.show",
                         (("school_id", school.id), ("evaluation_id", e.id))) for e in db.session.scalars(query)]


def _plan_links(school, ids=None):
    from portal.plans.models import Plan, PlanStatus

    query = select(Plan).where(Plan.school_id == school.id).options(selectinload(Plan.agreements))
    query = query.where(Plan.id.in_(ids)) if ids is not None else \
        query.where(Plan.status.in_([PlanStatus.AGREED, PlanStatus.AMENDED]))
    plans = sorted(db.session.scalars(query), key=lambda p: p.latest_agreement.agreed_at if p.latest_agreement else p.created_at,
                   reverse=True)
    return [EvidenceLink("plan", p.id, p.title + ("" if p.status == PlanStatus.AGREED else f" ({p.status.label.lower()})"),
                         _as_day(p.latest_agreement.agreed_at) if p.latest_agreement else None, "plans.show",
                         (("school_id", school.id), ("plan_id", p.id))) for p in plans]


def _visit_links(school, kind, ids=None, today=None):
    from portal.visits.models import NotesStatus, Visit, VisitKind

    query = select(Visit).where(Visit.school_id == school.id).order_by(Visit.visited_on.desc(), Visit.id.desc())
    if ids is not None:
        query = query.where(Visit.id.in_(ids))
    elif kind == "verification":
        query = query.where(Visit.kind == VisitKind.VERIFICATION)
        half_term = _half_term_for(today or clock.today())
        if half_term is not None:
            query = query.where(Visit.visited_on >= half_term.starts_on, Visit.visited_on <= half_term.ends_on)
        else:
            query = query.limit(1)
    else:
        query = query.where(Visit.status != NotesStatus.DRAFT)
    return [EvidenceLink(kind, v.id, f"{v.title} (notes: {v.status.label.lower()})", v.visited_on, "visits.show",
                         (("school_id", school.id), ("visit_id", v.id))) for v in db.session.scalars(query)]


def _minutes_links(school, ids=None):
    from portal.minutes.models import MinutesStatus, MinutesVersion

    query = select(MinutesVersion).where(MinutesVersion.school_id == school.id,
                                         MinutesVersion.status == MinutesStatus.CONFIRMED) \
        .options(selectinload(MinutesVersion.meeting))
    if ids is not None:
        query = query.where(MinutesVersion.id.in_(ids))
    versions = sorted(db.session.scalars(query), key=lambda v: (v.meeting.meets_on, v.id), reverse=True)
    return [EvidenceLink("minutes", v.id, f"Minutes: {v.meeting.title}", v.meeting.meets_on, "minutes.show",
                         (("school_id", school.id), ("meeting_id", v.meeting_id))) for v in versions]


def evidence_choices(school, today=None) -> dict[str, list[EvidenceLink]]:
    """{kind: [the school's records of that kind to choose from]}: what the portal holds that shows a criterion met."""
    today = today or clock.today()
    return {"self_evaluation": _self_evaluation_links(school), "plan": _plan_links(school),
            "verification": _visit_links(school, "verification", today=today), "minutes": _minutes_links(school),
            "visit": _visit_links(school, "visit")}


def resolve_evidence(school, references) -> list[EvidenceLink]:
    """The records ``references`` ([{"kind", "id"}]) name, in the order given; ones no longer held are left out."""
    wanted: dict[str, list[int]] = {}
    for reference in references or ():
        if reference.get("kind") in EVIDENCE_KINDS and isinstance(reference.get("id"), int):
            wanted.setdefault(reference["kind"], []).append(reference["id"])
    found = {}
    loaders = {"self_evaluation": lambda ids: _self_evaluation_links(school, ids), "plan": lambda ids: _plan_links(school, ids),
               "verification": lambda ids: _visit_links(school, "verification", ids),
               "minutes": lambda ids: _minutes_links(school, ids), "visit": lambda ids: _visit_links(school, "visit", ids)}
    for kind, ids in wanted.items():
        for link in loaders[kind](ids):
            found[(kind, link.id)] = link
    return [found[(r["kind"], r["id"])] for r in references or () if (r.get("kind"), r.get("id")) in found]


def parse_reference(value):
    kind, _, number = (value or "").partition(":")
    if kind not in EVIDENCE_KINDS or not number.isdigit():
        return None
    return {"kind": kind, "id": int(number)}


def answer_criterion(checklist, answer, user, *, value, note="", evidence=(), offered=()):
    """Met or not yet, a note, and links to records (``evidence``: "kind:id" strings, each one of ``offered``)."""
    _require_open(checklist, "its answers can no longer change")
    if answer.checklist_id not in (None, checklist.id):
        raise RuleBroken("That criterion is not on this checklist")
    sync_criteria(checklist)  # a change brings the checklist up to the LA's list (never a page view: a GET)
    if answer not in checklist.answers:
        raise RuleBroken("The LA has retired this criterion since: it is no longer on the checklist", "answer")
    if value is None:
        raise RuleBroken("Choose met or not yet", "answer")
    allowed = {link.value for link in offered}
    references = []
    for item in evidence:
        reference = parse_reference(item)
        if reference is None or item not in allowed:
            raise RuleBroken("Choose evidence from the school's records listed", "evidence")
        if reference not in references:
            references.append(reference)
    if value == Answer.MET and not references and not (note or "").strip():
        raise RuleBroken("Say what shows the criterion is met: link evidence or write a note", "note")
    answer.answer, answer.note, answer.evidence = value, (note or "").strip(), references
    answer.answered_by_id, answer.answered_at = getattr(user, "id", None), clock.now()
    return answer


# --- recommending and deciding --------------------------------------------------------------------------------------

def exit_categories(school):
    """The categories of the scheme in use that need less support than the school's current one (best first)."""
    version, current = current_version(), current_entry(school)
    if version is None or current is None:
        return []
    return [c for c in version.categories if c.position < current.category.position]


def recommend(checklist, user, *, category_id, reason, today=None):
    """The adviser recommends exit: every criterion answered, to a category needing less support, with why."""
    _require_open(checklist, "it cannot be recommended again")
    sync_criteria(checklist)
    school = checklist.school
    if not checklist.answers:
        raise RuleBroken("The checklist has no criteria to answer")
    unanswered = checklist.unanswered
    if unanswered:
        raise RuleBroken(f"Answer every criterion before recommending exit: {len(unanswered)} not answered yet "
                         f"({unanswered[0].title})", "category_id")
    version, current = current_version(), current_entry(school)
    if version is None:
        raise RuleBroken("The LA has not chosen a category scheme yet", "category_id")
    if current is None:
        raise RuleBroken(f"{school.name} has no category to exit from", "category_id")
    category = next((c for c in version.categories if c.id == category_id), None)
    if category is None:
        raise RuleBroken("Choose one of the scheme's categories", "category_id")
    if category.position >= current.category.position:
        raise RuleBroken(f"Choose a category needing less support than {current.category.label}", "category_id")
    if not (reason or "").strip():
        raise RuleBroken("Say why the school is ready to exit", "reason")
    checklist.recommended_category_id, checklist.recommended_category = category.id, category
    checklist.recommendation = reason.strip()
    checklist.recommended_by_id, checklist.recommended_at = getattr(user, "id", None), clock.now()
    checklist.status = ChecklistStatus.RECOMMENDED
    return checklist


def _require_recommended(checklist):
    if checklist.status != ChecklistStatus.RECOMMENDED:
        raise RuleBroken("There is no recommendation to decide: the adviser recommends exit first")


def approve(checklist, admin, *, reason, terms=DEFAULT_LIGHT_TOUCH_TERMS, today=None):
    """Exit approved: the school moves to the recommended category (as a change between rounds), light-touch
    monitoring runs for ``terms`` terms, and the checklist closes. Returns (decision, category history entry);
    ``portal.exit.notify.exit_approved`` tells the school and the adviser."""
    today = today or clock.today()
    _require_recommended(checklist)
    if not (reason or "").strip():
        raise RuleBroken("Say why exit is approved", "reason")
    if terms is None or not 1 <= terms <= MOST_LIGHT_TOUCH_TERMS:
        raise RuleBroken(f"Light-touch monitoring lasts from 1 to {MOST_LIGHT_TOUCH_TERMS} terms", "terms")
    school, recommended = checklist.school, checklist.recommended_category
    version, current = current_version(), current_entry(school)
    category = category_in(version, recommended.key) if version is not None else None
    if category is None:
        raise RuleBroken(f"{recommended.label} is not in the category scheme in use any more: decline, and the adviser "
                         "recommends again", "outcome")
    if current is not None and category.position >= current.category.position:
        raise RuleBroken(f"{school.name} is in {current.category.label} now: {category.label} would not need less "
                         "support. Decline, and the adviser recommends again", "outcome")
    entry = change_between_rounds(school, admin, category_id=category.id, effective_on=today, today=today,
                                  reason=f"Exit from intervention approved. {reason.strip()}")
    db.session.flush()
    decision = ExitDecision(outcome=DecisionOutcome.APPROVED, reason=reason.strip(), recommended_category_id=recommended.id,
                            light_touch_terms=terms, decided_by_id=getattr(admin, "id", None))
    checklist.decisions.append(decision)
    checklist.status, checklist.closed_on, checklist.category_entry = ChecklistStatus.APPROVED, today, entry
    checklist.light_touch_terms, checklist.light_touch_ends_on = terms, light_touch_ends_on(today, terms)
    db.session.flush()
    return decision, entry


def decline(checklist, admin, *, reason):
    """Not yet: the checklist opens again for more work, with the reason for the adviser."""
    _require_recommended(checklist)
    if not (reason or "").strip():
        raise RuleBroken("Say why exit is declined, so the adviser knows what more is needed", "reason")
    decision = ExitDecision(outcome=DecisionOutcome.DECLINED, reason=reason.strip(),
                            recommended_category_id=checklist.recommended_category_id, decided_by_id=getattr(admin, "id", None))
    checklist.decisions.append(decision)
    checklist.status = ChecklistStatus.OPEN
    db.session.flush()
    return decision


def people_to_tell(school):
    """The school's advisers (who hear of the LA's decision)."""
    from portal.schools.models import Role
    from portal.schools.rules import active_people

    return active_people(school, {Role.ADVISER})
