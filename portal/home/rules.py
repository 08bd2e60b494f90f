"""What a person's home page lists."""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.access import roles_by_school, school_ids_where
from portal.extensions import db
from portal.first_few import first_with_total
from portal.schools.models import Role, School, SchoolRole, SchoolStar
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
        select(SelfEvaluation).where(to_validate | to_write), limit,
        order_by=(SelfEvaluation.submitted_at, SelfEvaluation.created_at, SelfEvaluation.id),
        options=(joinedload(SelfEvaluation.school),))


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


def half_term_duties(user, today, names=10):
    """An adviser's half-termly duties for a home page, in one statement: how many pieces of evidence wait for
    verification, and in this half term the schools with an agreed plan that have had nothing verified (every
    school for the LA admin) and, of those the person advises, those not visited yet.

    {"waiting", "half_term" (or None), "not_verified": [SchoolName], "not_verified_count", "not_visited":
    [SchoolName]}, by name, or None for someone who neither advises nor is the LA admin. Only the first ``names``
    schools not verified are named (the verification queue lists them all): early in a half term that is every
    plan school, thousands in a shared deployment, so the database counts them apart and walks the schools in
    name order only until it has ``names`` (numbering every one of them to keep ten took 65 ms at 20,000)."""
    from sqlalchemy import false, func, literal, true, union_all

    from portal.access import is_la_admin
    from portal.evidence.rules import agreed_plan_in, verified_in, waiting_for_verification
    from portal.terms.rules import half_term_on
    from portal.visits.models import Visit

    admin = is_la_admin(user)
    advised = sorted(school_ids_where(user, Role.ADVISER))
    if not admin and not advised:
        return None
    waiting = waiting_for_verification(None if admin else advised).scalar_subquery()
    duties = {"waiting": 0, "half_term": half_term_on(today), "not_verified": [], "not_verified_count": 0,
              "not_visited": []}
    half_term = duties["half_term"]
    if half_term is None:
        duties["waiting"] = db.session.scalar(select(waiting))
        return duties
    verify_at = true() if admin else School.id.in_(advised)
    plan_schools = (School.active.is_(True), agreed_plan_in(half_term))
    not_verified = (*plan_schools, verify_at, ~verified_in(half_term))
    unverified_count = select(func.count()).select_from(School).where(*not_verified).scalar_subquery()
    listed = [select(School.id, School.name, true().label("named"), false().label("not_visited"))
              .where(*not_verified).order_by(School.name, School.id).limit(names).subquery()]
    if advised:
        visited = (select(Visit.id).where(Visit.school_id == School.id,
                                          Visit.visited_on.between(half_term.starts_on, half_term.ends_on)).exists())
        listed.append(select(School.id, School.name, false().label("named"), true().label("not_visited"))
                      .where(*plan_schools, School.id.in_(advised), ~visited).subquery())
    schools = union_all(*(select(part) for part in listed)).subquery()
    # One row even when no school is listed (the counts still come back): the schools join a one-row anchor.
    anchor = select(literal(1).label("one")).subquery("anchor")
    rows = db.session.execute(
        select(waiting, unverified_count, schools.c.id, schools.c.name, schools.c.named, schools.c.not_visited)
        .select_from(anchor).outerjoin(schools, true())
        .order_by(schools.c.name, schools.c.id)).all()
    for count, unverified, school_id, name, is_named, unvisited in rows:
        duties["waiting"], duties["not_verified_count"] = count, unverified
        if is_named:
            duties["not_verified"].append(SchoolName(school_id, name))
        if unvisited:
            duties["not_visited"].append(SchoolName(school_id, name))
    return duties


class SchoolName(NamedTuple):
    """A school as a list on a home page names it (and links to it)."""

    id: int
    name: str


def toggle_star(user, school) -> bool:
    """Star ``school`` for ``user`` (to watch it: first on their home page), or take the star away; True when it is
    starred now.

    Clicked twice quickly without JavaScript, two requests may both find no star and both add one: the second
    then meets the first's (one star per person and school) and leaves it, rather than failing."""
    existing = db.session.scalar(select(SchoolStar).where(SchoolStar.user_id == user.id,
                                                          SchoolStar.school_id == school.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()
        return False
    db.session.add(SchoolStar(user_id=user.id, school_id=school.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return True
