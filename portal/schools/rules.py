"""Decisions about schools and the people at them."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.many_values import one_of
from portal.schools.models import ROLE_LABELS, LocalAuthority, Role, School, SchoolRole


def in_name_order():
    """ORDER BY terms for schools as every list shows them: by ``name_key`` compared character by character, as
    Python compares strings (PostgreSQL would use its locale's collation, which skips spaces and punctuation;
    SQLite compares the bytes, which is the same as Python), then by id."""
    name = School.name_key.collate("C") if db.session.get_bind().dialect.name == "postgresql" else School.name_key
    return name, School.id


def name_order_of(school):
    """The sort key ``in_name_order`` sorts by, for a school (or a row with its ``name_key`` and ``id``) in Python."""
    return school.name_key, school.id


def load_people(schools):
    """Fill in each school's roles with their people, in one statement for any number of schools: a list of
    every school is filtered and sorted without its people, which are loaded for the page shown."""
    from collections import defaultdict

    from sqlalchemy.orm.attributes import set_committed_value

    waiting = [school for school in schools if "roles" not in school.__dict__]
    if not waiting:
        return
    roles = defaultdict(list)
    for role in db.session.scalars(select(SchoolRole).where(one_of(SchoolRole.school_id, [s.id for s in waiting]))
                                   .options(joinedload(SchoolRole.user)).order_by(SchoolRole.id)):
        roles[role.school_id].append(role)
    for school in waiting:
        set_committed_value(school, "roles", roles[school.id])


def schools_with_people(school_ids) -> dict:
    """{id: school} of ``school_ids`` with their roles and people (in the order the roles were given), in one
    statement at most: the rows of one page of a list. Schools this request already holds with their people (an
    adviser's own, from their home page) are not loaded again."""
    from sqlalchemy.orm.util import identity_key

    from portal.auth.models import User

    found = {}
    for school_id in school_ids:
        held = db.session.identity_map.get(identity_key(School, school_id))
        found[school_id] = held if held is not None and "roles" in held.__dict__ else None
    missing = [school_id for school_id, school in found.items() if school is None]
    if missing:
        found.update((school.id, school) for school in db.session.scalars(
            select(School).outerjoin(School.roles).outerjoin(User, User.id == SchoolRole.user_id)
            .options(contains_eager(School.roles).contains_eager(SchoolRole.user))
            .where(School.id.in_(missing)).order_by(School.id, SchoolRole.id)).unique())
    return found


def people_by_role(school):
    """[(role, [user, ...])] in the order roles are listed, active people only."""
    people = []
    for role in ROLE_LABELS:
        holders = sorted((r.user for r in school.roles if r.role == role and r.user.active), key=lambda u: u.name)
        if holders:
            people.append((role, holders))
    return people


def active_people(school, roles):
    """Active people holding any of ``roles`` at the school (who an email or a notice goes to)."""
    return [r.user for r in db.session.scalars(
        select(SchoolRole).where(SchoolRole.school_id == school.id, SchoolRole.role.in_(list(roles)))
        .options(selectinload(SchoolRole.user))).all() if r.user.active]


def save_school(school, *, urn, name, phase, establishment_type, ofsted_grade, ofsted_inspected_on, local_authority,
                has_sixth_form=None):
    """Create (``school`` None) or update a school; URNs are unique."""
    clash = db.session.scalar(select(School).where(School.urn == urn))
    if clash is not None and clash is not school:
        raise RuleBroken(f"URN {urn} is already used by {clash.name}", "urn")
    if school is None:
        school = School(local_authority=local_authority)
        db.session.add(school)
    school.urn = urn
    school.name = name.strip()
    school.phase = phase
    school.establishment_type = (establishment_type or "").strip()
    school.ofsted_grade = ofsted_grade or None
    school.ofsted_inspected_on = ofsted_inspected_on
    school.has_sixth_form = has_sixth_form
    return school


def assign_adviser(school, adviser):
    """Make ``adviser`` the school's only adviser (None removes the adviser)."""
    current = [r for r in school.roles if r.role == Role.ADVISER]
    for membership in current:
        if adviser is None or membership.user_id != adviser.id:
            school.roles.remove(membership)
            db.session.delete(membership)
    if adviser is not None and not any(r.user_id == adviser.id for r in current):
        school.roles.append(SchoolRole(user=adviser, role=Role.ADVISER))


def default_local_authority():
    """The LA new schools belong to: this portal serves one LA (the first one set up)."""
    return db.session.scalar(select(LocalAuthority).order_by(LocalAuthority.id).limit(1))
