"""The one place that decides who may do what, at which school.

Views never test roles themselves: each is wrapped in exactly one of the
decorators below, which tag the view with the rule that guards it.  The access
matrix test walks ``app.url_map`` and fails on any endpoint without a tag.

A person with no role at a school gets 404 for its pages, never a hint that
the school exists.
"""

from functools import wraps

from flask import abort, has_request_context
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.extensions import db
from portal import per_request as memo
from portal.per_request import per_request
from portal.schools.models import GOVERNANCE, SCHOOL_LEADERS, Role, School, SchoolRole


# --- plain predicates: views, templates and tests all ask these -----------------

def roles_at(user, school) -> set[Role]:
    """The roles ``user`` holds at ``school``: from the school's roles when they are loaded, otherwise from the
    person's own (which the user loader brings for the signed-in person, so a school's page needs no statement)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if "roles" in school.__dict__ or not has_request_context():  # outside a request nothing is remembered
        return {r.role for r in school.roles if r.user_id == user.id}
    return {role for school_id, role in _role_pairs(user.id) if school_id == school.id}


def is_la_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_la_admin)


def may_view_school(user, school) -> bool:
    return is_la_admin(user) or bool(roles_at(user, school))


def may_lead_school(user, school) -> bool:
    """Headteacher or senior leader: submits the school's own work."""
    return bool(roles_at(user, school) & SCHOOL_LEADERS)


def is_school_adviser(user, school) -> bool:
    return Role.ADVISER in roles_at(user, school)


def is_school_governance(user, school) -> bool:
    return bool(roles_at(user, school) & GOVERNANCE)


def may_validate_school(user, school) -> bool:
    """The school's adviser, or the LA admin, validates its self-evaluation."""
    return is_la_admin(user) or is_school_adviser(user, school)


def may_run_reviews(user, school) -> bool:
    """The school's adviser, or the LA admin, schedules review meetings, sends agendas and records progress."""
    return is_la_admin(user) or is_school_adviser(user, school)


def may_write_minutes(user, school) -> bool:
    """The adviser (or LA admin) writes a review's minutes; so may the school's clerk to governors."""
    return may_run_reviews(user, school) or Role.CLERK in roles_at(user, school)


def may_record_governance(user, school) -> bool:
    """Governors and the clerk record when the minutes went to the full governing body."""
    return is_school_governance(user, school)


def may_agree_plan(user, school) -> bool:
    """Only the school's own adviser agrees its plan."""
    return is_school_adviser(user, school)


def may_record_inspection(user, school) -> bool:
    """The school's leaders, its adviser or the LA admin record an Ofsted inspection."""
    return may_lead_school(user, school) or may_validate_school(user, school)


def may_see_visit(user, school, visit) -> bool:
    """Leaders, the adviser and the LA admin see every visit; governors and the clerk only final notes of visit."""
    from portal.visits.models import NotesStatus

    if may_run_reviews(user, school) or may_lead_school(user, school):
        return True
    return visit.status == NotesStatus.FINAL and may_view_school(user, school)


def may_read_notes(user, school, visit) -> bool:
    """Draft notes are the adviser's until issued: the school reads them once they are."""
    from portal.visits.models import NotesStatus

    if may_run_reviews(user, school):
        return True
    return visit.status != NotesStatus.DRAFT and may_see_visit(user, school, visit)


def may_discuss_plan(user, school) -> bool:
    """The school's leaders and its adviser (or the LA admin) reply in the threads of comments on its plans."""
    return may_lead_school(user, school) or may_run_reviews(user, school)


def may_propose_category(user, school):
    """Advisers propose a category only for their own schools (the LA admin moderates instead)."""
    return is_school_adviser(user, school)


def may_see_proposal(user, school):
    """A round's proposal is between the adviser and the LA until it is published: never the school's."""
    return is_la_admin(user) or is_school_adviser(user, school)


def may_change_category(user, school):
    """Only the LA admin decides a category: at moderation, or between rounds."""
    return is_la_admin(user)


def may_record_intervention(user, school):
    """Only the LA admin records formal intervention (warning notices and the like), its outcome and its documents."""
    return is_la_admin(user)


def may_manage_support(user, school):
    """Only the LA admin applies a support package to a school or changes it (trigger, provider, allocation, SLA)."""
    return is_la_admin(user)


def may_record_support(user, school):
    """The school's adviser (or the LA admin) adds bespoke activities and records days used and activities done."""
    return is_la_admin(user) or is_school_adviser(user, school)


def may_approve_exit(user, school):
    """Only the LA admin approves or declines the adviser's recommendation that a school exits intervention."""
    return is_la_admin(user)


@per_request(SchoolRole)
def _role_pairs(user_id) -> tuple:
    return tuple(db.session.execute(select(SchoolRole.school_id, SchoolRole.role).where(SchoolRole.user_id == user_id)))


def remember_role_pairs(user_id, pairs: tuple):
    """The user loader found ``user_id``'s (school id, role) pairs with the user: no need to ask again."""
    memo.remember(_role_pairs, (user_id,), pairs)


def school_ids_where(user, *roles) -> set[int]:
    """The ids of the schools where ``user`` holds any of ``roles`` (any role when none is named), asked once a
    request however many panels of a page want them."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {school_id for school_id, role in _role_pairs(user.id) if not roles or role in roles}


def roles_by_school(user) -> dict:
    """{school id: [Role, ...]} where ``user`` holds a role, the roles in the order ``Role`` lists them."""
    found = {}
    if getattr(user, "is_authenticated", False):
        for school_id, role in _role_pairs(user.id):
            found.setdefault(school_id, []).append(role)
    order = list(Role)
    return {school_id: sorted(roles, key=order.index) for school_id, roles in found.items()}


def is_adviser_anywhere(user) -> bool:
    return bool(school_ids_where(user, Role.ADVISER))


def visible_schools_query(user):
    """A select of the schools ``user`` may see: every school for the LA admin."""
    query = select(School).where(School.active.is_(True)).order_by(School.name)
    if is_la_admin(user):
        return query
    member_of = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id)
    return query.where(School.id.in_(member_of))


# --- decorators: one per view -----------------------------------------------------

def _tag(view, rule):
    view.access_rule = rule
    return view


def public(view):
    """Anyone, signed in or not (sign-in page, static help)."""
    return _tag(view, "public")


def signed_in(view):
    """Any signed-in person; the view shows only what is theirs."""
    return _tag(login_required(view), "signed_in")


def la_admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_la_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return _tag(login_required(wrapper), "la_admin")


def advisers_and_la_admin(view):
    """Pages across schools for advisers (their own schools only) and the LA admin."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (is_la_admin(current_user) or is_adviser_anywhere(current_user)):
            abort(403)
        return view(*args, **kwargs)

    return _tag(login_required(wrapper), "advisers")


def school_access(permission=may_view_school):
    """Load ``school_id`` from the URL into ``school``; 404 without a role there, 403 without permission."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, school_id, **kwargs):
            school = db.session.get(School, school_id)
            if school is None or not may_view_school(current_user, school):
                abort(404)
            if not permission(current_user, school):
                abort(403)
            return view(*args, school=school, **kwargs)

        return _tag(login_required(wrapper), f"school:{permission.__name__}")

    return decorator


def template_helpers():
    """Predicates templates may call to decide what to show (not what to allow)."""
    return {
        "is_la_admin": is_la_admin,
        "is_adviser_anywhere": is_adviser_anywhere,
        "may_view_school": may_view_school,
        "may_lead_school": may_lead_school,
        "may_validate_school": may_validate_school,
        "may_record_inspection": may_record_inspection,
        "may_run_reviews": may_run_reviews,
        "may_agree_plan": may_agree_plan,
        "may_write_minutes": may_write_minutes,
        "may_record_governance": may_record_governance,
        "may_discuss_plan": may_discuss_plan,
        "roles_at": roles_at,
        "may_read_notes": may_read_notes,
        "may_propose_category": may_propose_category,
        "may_see_proposal": may_see_proposal,
        "may_change_category": may_change_category,
        "may_record_intervention": may_record_intervention,
        "may_approve_exit": may_approve_exit,
        "may_manage_support": may_manage_support,
        "may_record_support": may_record_support,
    }
