"""What a person's home page lists."""

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.access import visible_schools_query
from portal.extensions import db
from portal.schools.models import Role, School, SchoolRole


def schools_with_roles(user):
    """The schools where ``user`` holds a role, each with the roles held: [(school, [Role, ...])]."""
    memberships = db.session.scalars(
        select(SchoolRole)
        .join(SchoolRole.school)
        .where(SchoolRole.user_id == user.id, School.active.is_(True))
        .options(selectinload(SchoolRole.school).selectinload(School.roles).selectinload(SchoolRole.user))
        .order_by(School.name)
    ).all()
    grouped = defaultdict(list)
    for membership in memberships:
        grouped[membership.school].append(membership.role)
    return list(grouped.items())


def la_overview_counts():
    """Totals for the LA admin's overview: schools, schools without an adviser."""
    total = db.session.scalar(select(func.count()).select_from(School).where(School.active.is_(True)))
    with_adviser = select(SchoolRole.school_id).where(SchoolRole.role == Role.ADVISER)
    without_adviser = db.session.scalar(
        select(func.count()).select_from(School).where(School.active.is_(True), School.id.not_in(with_adviser))
    )
    return {"schools": total, "without_adviser": without_adviser}


def paginated_schools(user, page, per_page):
    query = visible_schools_query(user).options(selectinload(School.roles).selectinload(SchoolRole.user))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
