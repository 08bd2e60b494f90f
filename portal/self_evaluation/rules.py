"""Self-evaluation status rules: draft -> submitted -> validated, or returned to the school."""

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.frameworks.models import EvaluationArea, FrameworkVersion, GradingScale
from portal.self_evaluation.models import AreaJudgement, EvaluationStatus, SelfEvaluation
from portal import clock

OPEN_STATUSES = (EvaluationStatus.DRAFT, EvaluationStatus.RETURNED, EvaluationStatus.SUBMITTED)


class WrongStatus(RuleBroken):
    """The self-evaluation is not in a state that allows this step."""


@dataclass
class AreaChangedElsewhere(Exception):
    """Someone else saved this area after the form was opened: nothing was overwritten."""

    judgement: AreaJudgement


def in_words(titles):
    """Inclusion, Achievement and Safeguarding."""
    titles = list(titles)
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def load_self_evaluation(school, evaluation_id):
    """The school's self-evaluation with everything its pages show, or None (another school's is None too)."""
    return db.session.scalar(
        select(SelfEvaluation)
        .where(SelfEvaluation.id == evaluation_id, SelfEvaluation.school_id == school.id)
        .options(
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.updated_by),
            selectinload(SelfEvaluation.version).selectinload(FrameworkVersion.areas).selectinload(EvaluationArea.descriptors),
            selectinload(SelfEvaluation.version).selectinload(FrameworkVersion.scale).selectinload(GradingScale.grades),
            selectinload(SelfEvaluation.version).selectinload(FrameworkVersion.framework),
        )
    )


def school_self_evaluations(school):
    """Every self-evaluation of the school, newest first, with judgements and areas loaded."""
    return db.session.scalars(
        select(SelfEvaluation)
        .where(SelfEvaluation.school_id == school.id)
        .order_by(SelfEvaluation.created_at.desc(), SelfEvaluation.id.desc())
        .options(
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.area),
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.grade),
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.adviser_grade),
            selectinload(SelfEvaluation.version).selectinload(FrameworkVersion.framework),
            selectinload(SelfEvaluation.version).selectinload(FrameworkVersion.areas),
        )
    ).all()


def latest_self_evaluation(school):
    return db.session.scalar(
        select(SelfEvaluation).where(SelfEvaluation.school_id == school.id)
        .order_by(SelfEvaluation.created_at.desc(), SelfEvaluation.id.desc()).limit(1)
    )


def areas_for(evaluation):
    """The areas this self-evaluation covers, in the framework's order.

    It covers the areas it started with, less any that no longer apply: GIAS or the LA admin may correct a school's
    age range or sixth form while a draft is open, and the draft stops asking about that area (what was typed stays
    saved, unseen). Once validated it shows every area the adviser gave a view on, whatever changes later."""
    if evaluation.status == EvaluationStatus.VALIDATED:
        judged = {j.area_id for j in evaluation.judgements if j.adviser_agrees is not None}
        return [area for area in evaluation.version.areas if area.id in judged]
    started = {j.area_id for j in evaluation.judgements}
    return [area for area in evaluation.version.areas_for_school(evaluation.school) if area.id in started]


def start(school, version, user, title, academic_year=None):
    """Begin a new self-evaluation; one at a time, so finish (or have validated) the last one first."""
    if version is None:
        raise RuleBroken("The local authority has not published a self-evaluation framework yet")
    unfinished = db.session.scalar(
        select(SelfEvaluation).where(SelfEvaluation.school_id == school.id, SelfEvaluation.status.in_(OPEN_STATUSES))
    )
    if unfinished is not None:
        raise RuleBroken(f"{unfinished.title} is not validated yet: finish that self-evaluation first", "title")
    if not title.strip():
        raise RuleBroken("Enter a name for this self-evaluation, like Autumn 2026", "title")
    evaluation = SelfEvaluation(school=school, version=version, created_by=user, title=title.strip(), academic_year=academic_year)
    for area in version.areas_for_school(school):
        evaluation.judgements.append(AreaJudgement(area=area))
    db.session.add(evaluation)
    return evaluation


def _ensure_open_to_school(evaluation):
    if not evaluation.is_open_to_school:
        raise WrongStatus(f"This self-evaluation is {evaluation.status.label.lower()}: the school can no longer change it")


def _grade_on_scale(evaluation, grade_id):
    if grade_id is None:
        return None
    grade = next((g for g in evaluation.version.scale.grades if g.id == grade_id), None)
    if grade is None:
        raise RuleBroken("Choose a grade from this framework's scale", "grade_id")
    return grade


def save_judgement(judgement, user, *, grade_id, strengths, areas_for_development, evidence, revision):
    """Save the school's view of one area. ``revision`` is the one the form was opened at."""
    evaluation = judgement.self_evaluation
    _ensure_open_to_school(evaluation)
    if revision != judgement.revision:
        raise AreaChangedElsewhere(judgement)
    grade = _grade_on_scale(evaluation, grade_id)
    judgement.grade = grade
    judgement.strengths = strengths.strip()
    judgement.areas_for_development = areas_for_development.strip()
    judgement.evidence = evidence.strip()
    judgement.revision += 1
    judgement.updated_at = clock.now()
    judgement.updated_by = user
    return judgement


def fingerprint(*values):
    """A short digest of what a form showed. Browsers send textarea line ends as CRLF and the portal saves text
    stripped, so both are evened out first."""
    text = "\x1f".join("" if value is None else str(value).replace("\r\n", "\n").strip() for value in values)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def judgement_fingerprint(judgement):
    return fingerprint(judgement.grade_id, judgement.strengths, judgement.areas_for_development, judgement.evidence)


def safeguarding_fingerprint(evaluation):
    return fingerprint(evaluation.safeguarding_met, evaluation.safeguarding_note)


def save_changed_judgement(judgement, user, *, opened, grade_id, strengths, areas_for_development, evidence, revision):
    """One area from the whole-page form: saved only if the person changed it since their page showed it (``opened``)
    and it differs from what is saved now. Returns whether it was saved; raises AreaChangedElsewhere as
    ``save_judgement`` does, so an area a colleague saved meanwhile is never overwritten unseen."""
    typed = fingerprint(grade_id, strengths, areas_for_development, evidence)
    if typed in (opened, judgement_fingerprint(judgement)):
        return False
    save_judgement(judgement, user, grade_id=grade_id, strengths=strengths, areas_for_development=areas_for_development,
                   evidence=evidence, revision=revision)
    return True


def save_safeguarding(evaluation, *, met, note):
    """``met`` is True, False or None (not answered yet: submission asks for it)."""
    _ensure_open_to_school(evaluation)
    evaluation.safeguarding_met = met
    evaluation.safeguarding_note = note.strip()


def save_changed_safeguarding(evaluation, *, opened, met, note):
    """Safeguarding from the whole-page form, saved only if the person changed it. Returns whether it was saved."""
    typed = fingerprint(met, note)
    if typed in (opened, safeguarding_fingerprint(evaluation)):
        return False
    save_safeguarding(evaluation, met=met, note=note)
    return True


def missing_for_submission(evaluation):
    """What stops submission: [(anchor id, message)], in the order the areas appear."""
    problems = []
    for area in areas_for(evaluation):
        judgement = evaluation.judgement_for(area)
        anchor = f"area-{area.key}"
        if judgement is None or judgement.grade is None:
            problems.append((anchor, f"Choose a grade for {area.title}"))
        if judgement is None or not judgement.strengths or not judgement.areas_for_development:
            problems.append((anchor, f"Enter strengths and areas for development for {area.title}"))
    if evaluation.version.has_safeguarding and evaluation.safeguarding_met is None:
        problems.append(("safeguarding", "Say whether safeguarding is met"))
    return problems


def submit(evaluation, user):
    _ensure_open_to_school(evaluation)
    problems = missing_for_submission(evaluation)
    if problems:
        raise RuleBroken(problems[0][1])
    evaluation.status = EvaluationStatus.SUBMITTED
    evaluation.submitted_at = clock.now()
    evaluation.submitted_by = user


def _ensure_submitted(evaluation):
    if evaluation.status != EvaluationStatus.SUBMITTED:
        raise WrongStatus(f"Only a submitted self-evaluation can be validated; this one is {evaluation.status.label.lower()}")


class AreasAwaitingView(RuleBroken):
    """The adviser has not recorded a view on every area yet."""

    def __init__(self, judgements):
        super().__init__("Record your view of every area first: " + ", ".join(j.area.title for j in judgements), "summary")
        self.judgements = judgements


def awaiting_adviser_view(evaluation):
    """The areas' judgements with no adviser view saved yet, in the framework's order: what the validation page
    still asks for, recomputed from what is saved on every request."""
    judgements = [evaluation.judgement_for(area) for area in areas_for(evaluation)]
    return [judgement for judgement in judgements if judgement.adviser_agrees is None]


def record_adviser_view(judgement, *, agrees, grade_id, reason):
    """The adviser agrees with the school's grade, or records a different one with a reason."""
    evaluation = judgement.self_evaluation
    _ensure_submitted(evaluation)
    if agrees is None:
        raise RuleBroken(f"Say whether you agree with the school's grade for {judgement.area.title}", "agrees")
    if agrees:
        judgement.adviser_agrees, judgement.adviser_grade, judgement.adviser_reason = True, None, reason.strip()
        return judgement
    grade = _grade_on_scale(evaluation, grade_id)
    if grade is None:
        raise RuleBroken(f"Choose the grade you would give {judgement.area.title}", "grade_id")
    if not reason.strip():
        raise RuleBroken(f"Explain why you would grade {judgement.area.title} differently", "reason")
    judgement.adviser_agrees, judgement.adviser_grade, judgement.adviser_reason = False, grade, reason.strip()
    return judgement


def agree_with_remaining_grades(evaluation):
    """The common case in one step: agree with the school's grade in every area without a view yet. Areas where the
    adviser already saved a view (agreeing, or a different grade with reasons) stay as they are. Returns those agreed."""
    _ensure_submitted(evaluation)
    remaining = awaiting_adviser_view(evaluation)
    for judgement in remaining:
        record_adviser_view(judgement, agrees=True, grade_id=None, reason="")
    return remaining


def validate(evaluation, user, summary, safeguarding_agrees=None):
    _ensure_submitted(evaluation)
    undecided = awaiting_adviser_view(evaluation)
    if undecided:
        raise AreasAwaitingView(undecided)
    if not summary.strip():
        raise RuleBroken("Enter an overall summary for the school", "summary")
    evaluation.adviser_summary = summary.strip()
    evaluation.adviser_safeguarding_agrees = safeguarding_agrees
    evaluation.status = EvaluationStatus.VALIDATED
    evaluation.decided_at = clock.now()
    evaluation.decided_by = user


def return_to_school(evaluation, user, comments):
    _ensure_submitted(evaluation)
    if not comments.strip():
        raise RuleBroken("Tell the school what to change before you return it", "comments")
    evaluation.return_comments = comments.strip()
    evaluation.status = EvaluationStatus.RETURNED
    evaluation.decided_at = clock.now()
    evaluation.decided_by = user


@dataclass
class HistoryRow:
    key: str
    title: str
    cells: list  # one per self-evaluation, oldest first: AreaJudgement or None
    note: str  # "new in ..." / "retired after ..." / ""
    changes: list  # one per cell: "Better than before", "Worse than before", "" (same, or not comparable)


def change_since(previous, current) -> str:
    """How the validated (else the school's) grade moved since the last self-evaluation, on the same scale only."""
    if previous is None or current is None:
        return ""
    before = previous.validated_grade or previous.grade
    after = current.validated_grade or current.grade
    if before is None or after is None or before.scale_id != after.scale_id or before.position == after.position:
        return ""
    return "Better than before" if after.position < before.position else "Worse than before"


def history(evaluations):
    """Area-by-area grades over time, matched by the area's stable key across framework versions."""
    ordered = list(reversed(evaluations))
    keys, titles = [], {}
    for evaluation in reversed(ordered):  # newest titles win
        for judgement in evaluation.judgements:
            if judgement.area.key not in titles:
                titles[judgement.area.key] = judgement.area.title
    for evaluation in ordered:
        for area in sorted((j.area for j in evaluation.judgements), key=lambda a: a.position):
            if area.key not in keys:
                keys.append(area.key)
    rows = []
    for key in keys:
        cells = [next((j for j in e.judgements if j.area.key == key), None) for e in ordered]
        present = [i for i, cell in enumerate(cells) if cell is not None]
        note = ""
        if len(ordered) > 1 and present and present[0] > 0:
            note = f"New in {ordered[present[0]].title}"
        elif len(ordered) > 1 and present and present[-1] < len(ordered) - 1:
            note = f"Not in {ordered[present[-1] + 1].title} (retired)"
        changes = [""] + [change_since(before, after) for before, after in zip(cells, cells[1:])]
        rows.append(HistoryRow(key=key, title=titles[key], cells=cells, note=note, changes=changes))
    return ordered, rows
