"""Plan rules: leaders draft, the adviser agrees; an agreed plan that changes keeps what was agreed."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.plans.models import Milestone, Plan, PlanAction, PlanAgreement, PlanKind, PlanStatus, Priority, SuccessCriterion
from portal import clock


def load_plan(school, plan_id):
    """The school's plan with everything its page shows, or None (another school's plan is None too)."""
    return db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id, Plan.school_id == school.id)
        .options(
            selectinload(Plan.priorities).selectinload(Priority.actions),
            selectinload(Plan.priorities).selectinload(Priority.success_criteria).selectinload(SuccessCriterion.milestones),
            selectinload(Plan.agreements).selectinload(PlanAgreement.agreed_by),
        )
    )


def school_plans(school):
    return db.session.scalars(
        select(Plan).where(Plan.school_id == school.id)
        .order_by(Plan.created_at.desc(), Plan.id.desc())
    ).all()


def create_plan(school, user, *, kind: PlanKind, title: str, academic_year):
    if academic_year is None:
        raise RuleBroken("The local authority has not entered term dates for this year yet", "academic_year_id")
    if not title.strip():
        raise RuleBroken("Enter the plan's title", "title")
    plan = Plan(school=school, created_by_id=getattr(user, "id", None), kind=kind, title=title.strip(), academic_year=academic_year)
    db.session.add(plan)
    return plan


def _changed(plan):
    """Any change to an agreed plan leaves the agreed version as it was and marks the plan as changed."""
    if plan.status == PlanStatus.AGREED:
        plan.status = PlanStatus.AMENDED


def update_plan(plan, *, kind, title):
    if not title.strip():
        raise RuleBroken("Enter the plan's title", "title")
    if (plan.kind, plan.title) != (kind, title.strip()):
        plan.kind, plan.title = kind, title.strip()
        _changed(plan)


def save_priority(plan, priority, *, title, description):
    if not title.strip():
        raise RuleBroken("Enter the priority", "title")
    if priority is None:
        priority = Priority(position=len(plan.priorities) + 1)
        plan.priorities.append(priority)
    priority.title, priority.description = title.strip(), description.strip()
    _changed(plan)
    return priority


def save_action(priority, action, *, description, owner, starts_on, due_on, cost):
    if not description.strip():
        raise RuleBroken("Describe the action", "description")
    if starts_on and due_on and due_on < starts_on:
        raise RuleBroken("The due date must be the same as or after the start date", "due_on")
    if action is None:
        action = PlanAction(position=len(priority.actions) + 1)
        priority.actions.append(action)
    action.description, action.owner, action.cost = description.strip(), owner.strip(), cost.strip()
    action.starts_on, action.due_on = starts_on, due_on
    _changed(priority.plan)
    return action


def save_criterion(priority, criterion, *, description, milestones):
    """``milestones``: {half term: text}; one per half term of the plan's year."""
    if not description.strip():
        raise RuleBroken("Describe how you will know this has succeeded", "description")
    if criterion is None:
        criterion = SuccessCriterion(position=len(priority.success_criteria) + 1)
        priority.success_criteria.append(criterion)
    criterion.description = description.strip()
    existing = {m.half_term_id: m for m in criterion.milestones}
    for half_term, text in milestones.items():
        if half_term not in priority.plan.academic_year.half_terms:
            raise RuleBroken("A milestone is for a half term outside the plan's year")
        if half_term.id in existing:
            existing[half_term.id].text = text.strip()
        elif text.strip():
            criterion.milestones.append(Milestone(half_term=half_term, text=text.strip()))
    _changed(priority.plan)
    return criterion


def snapshot(plan) -> dict:
    """The plan as plain data: what an agreement keeps and what changes are compared against."""
    half_terms = {h.id: h.name for h in plan.academic_year.half_terms}
    return {
        "title": plan.title,
        "kind": plan.kind.label,
        "priorities": [
            {
                "id": p.id, "title": p.title, "description": p.description,
                "actions": [
                    {"id": a.id, "description": a.description, "owner": a.owner, "cost": a.cost,
                     "starts_on": a.starts_on.isoformat() if a.starts_on else None,
                     "due_on": a.due_on.isoformat() if a.due_on else None}
                    for a in p.actions
                ],
                "success_criteria": [
                    {"id": c.id, "description": c.description,
                     "milestones": {half_terms.get(m.half_term_id, "?"): m.text for m in c.milestones}}
                    for c in p.success_criteria
                ],
            }
            for p in plan.priorities
        ],
    }


def agree(plan, adviser):
    """The adviser agrees the plan as it stands now; the exact text agreed is kept."""
    if plan.status == PlanStatus.AGREED:
        raise RuleBroken("This plan is already agreed and has not changed since")
    if not plan.priorities:
        raise RuleBroken("A plan needs at least one priority before it can be agreed")
    without = [p.title for p in plan.priorities if not p.success_criteria or not p.actions]
    if without:
        raise RuleBroken("Each priority needs at least one action and one success criterion: " + "; ".join(without))
    db.session.flush()  # new items need their ids in the snapshot
    plan.agreements.append(PlanAgreement(agreed_by=adviser, agreed_at=clock.now(), snapshot=snapshot(plan)))
    plan.status = PlanStatus.AGREED


def changes_since_agreed(plan):
    """Lines describing what changed since the adviser last agreed the plan (empty if nothing or never agreed)."""
    from portal.plans.diff import plan_changes

    agreement = plan.latest_agreement
    if agreement is None or plan.status != PlanStatus.AMENDED:
        return []
    return plan_changes(agreement.snapshot, snapshot(plan))


def latest_validated_self_evaluation(school):
    """The school's most recently validated self-evaluation (by when it was validated), or None."""
    from portal.self_evaluation.models import AreaJudgement, EvaluationStatus, SelfEvaluation

    return db.session.scalar(
        select(SelfEvaluation)
        .where(SelfEvaluation.school_id == school.id, SelfEvaluation.status == EvaluationStatus.VALIDATED)
        .order_by(SelfEvaluation.decided_at.desc(), SelfEvaluation.id.desc())
        .options(
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.area),
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.grade),
            selectinload(SelfEvaluation.judgements).selectinload(AreaJudgement.adviser_grade),
        )
        .limit(1)
    )


def judgement_grade(judgement):
    """The grade that counts: the validated one, else the school's own."""
    return judgement.validated_grade or judgement.grade


def weakest_areas(school):
    """Judgements of the latest validated self-evaluation whose grade is a concern, weakest first ([] when none)."""
    evaluation = latest_validated_self_evaluation(school)
    if evaluation is None:
        return []
    weak = [j for j in evaluation.judgements if judgement_grade(j) is not None and judgement_grade(j).is_concern]
    return sorted(weak, key=lambda j: (-judgement_grade(j).position, j.area.position, j.area.id))


def priorities_from_self_evaluation(plan, judgements):
    """One priority per judgement (area title, its areas for development); areas already a priority are skipped."""
    existing = {p.title.strip().casefold() for p in plan.priorities}
    added = []
    for judgement in judgements:
        title = judgement.area.title
        if title.strip().casefold() in existing:
            continue
        added.append(save_priority(plan, None, title=title, description=judgement.areas_for_development or ""))
        existing.add(title.strip().casefold())
    return added
