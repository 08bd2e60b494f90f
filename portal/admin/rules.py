"""Managing people and their roles: the LA admin's decisions as plain functions."""

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.rules import change_password, find_user_by_email, normalise_email
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.schools.models import Role, SchoolRole


def save_user(user: User | None, *, name, email, is_la_admin, password=None, acting_user=None) -> User:
    """Create (``user`` None) or update a person; emails are unique whatever their case."""
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None and existing is not user:
        raise RuleBroken("A user with this email address already exists", "email")
    if user is None:
        user = User(email=email, name=name.strip(), is_la_admin=is_la_admin, active=True)
        db.session.add(user)
    else:
        if acting_user is not None and user.id == acting_user.id and not is_la_admin:
            raise RuleBroken("You cannot remove your own LA admin role", "is_la_admin")
        user.email, user.name, user.is_la_admin = email, name.strip(), is_la_admin
    if password:
        change_password(user, password)
    return user


def set_active(user: User, active: bool, acting_user: User):
    if user.id == acting_user.id and not active:
        raise RuleBroken("You cannot deactivate your own account")
    user.active = active


def add_role(user: User, school, role: Role) -> SchoolRole:
    held = db.session.scalar(
        select(SchoolRole).where(SchoolRole.user_id == user.id, SchoolRole.school_id == school.id, SchoolRole.role == role)
    )
    if held is not None:
        raise RuleBroken(f"{user.name} is already {role.label.lower()} at {school.name}", "role")
    membership = SchoolRole(user=user, school=school, role=role)
    db.session.add(membership)
    return membership


def remove_role(membership: SchoolRole):
    db.session.delete(membership)
