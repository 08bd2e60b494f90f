"""What a person's home page lists."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import roles_by_school, school_ids_where
from portal.extensions import db
from portal.first_few import first_with_total
from portal.schools.models import Role, School, SchoolRole
from portal.schools.rules import schools_with_people


def schools_with_roles(user):
    """The active schools where ``user`` holds a role, by name, each with the roles held and its people: [(school,
    [Role, ...])]. The roles came with signing in (most LA admins hold none), the schools in one statement."""
    held = roles_by_school(user)
    if not held:
        return []
    schools = [school for school in schools_with_people(held).values() if school.active]
    return [(school, held[school.id]) for school in sorted(schools, key=lambda school: school.name)]


def self_evaluations_to_act_on(user, limit=20):
    """Self-evaluations waiting for this person: submitted ones they validate, drafts or returned ones they lead,
    the ``limit`` waiting longest: (those, how many in all). The LA admin may have two hundred in the autumn."""
    from portal.access import is_la_admin
    from portal.self_evaluation.models import EvaluationStatus, SelfEvaluation

    advises = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id, SchoolRole.role == Role.ADVISER)
    leads = select(SchoolRole.school_id).where(
        SchoolRole.user_id == user.id, SchoolRole.role.in_([Role.HEADTEACHER, Role.SENIOR_LEADER])
    )
    to_validate = SelfEvaluation.status == EvaluationStatus.SUBMITTED
    if not is_la_admin(user):
        to_validate = to_validate & SelfEvaluation.school_id.in_(advises)
    to_write = SelfEvaluation.status.in_([EvaluationStatus.DRAFT, EvaluationStatus.RETURNED]) & SelfEvaluation.school_id.in_(leads)
    return first_with_total(
        select(SelfEvaluation)
        .where(to_validate | to_write)
        .options(joinedload(SelfEvaluation.school))
        .order_by(SelfEvaluation.submitted_at, SelfEvaluation.created_at, SelfEvaluation.id), limit)


def support_due_for(user, today, within_days=14):
    """Support activities not done and due within a fortnight (or overdue) at the schools this person advises (every
    school for the LA admin), soonest first: [activity]."""
    from portal.access import is_la_admin
    from portal.support.rules import activities_due_at

    if is_la_admin(user):
        schools = select(School.id).where(School.active.is_(True))
    else:
        schools = sorted(school_ids_where(user, Role.ADVISER))
        if not schools:
            return []
    due = activities_due_at(schools, today, within_days)
    return sorted(due, key=lambda activity: (activity.due_on, activity.package.school.name))


def light_touch_due_for(user, today, within_days=20):
    """Light-touch visits (one a term after exit from intervention) due within 20 working days or overdue at the
    schools this person advises (every school for the LA admin), soonest first: [LightTouchDue]. The schools go to
    the query as a subquery: the same statements for 6 schools or 600."""
    from portal.access import is_la_admin
    from portal.exit.light_touch import light_touch_due

    if is_la_admin(user):
        school_ids = select(School.id).where(School.active.is_(True))
    else:
        school_ids = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id, SchoolRole.role == Role.ADVISER)
    return light_touch_due(school_ids, today, within_days)
