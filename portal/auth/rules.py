"""Signing in: the decisions, without the request."""

from sqlalchemy import func, select

from portal import audit
from portal.auth.models import User
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str):
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str):
    """The active user with this email and password, or None (never saying which part was wrong)."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        if user is not None:
            audit.record("auth.sign_in_failed", "Sign-in failed: wrong password", record_type="user", record_id=user.id, user=user)
        return None
    if not user.active:
        audit.record("auth.sign_in_refused", "Sign-in refused: account deactivated", record_type="user", record_id=user.id, user=user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user  # signed in once any second factor is proved too (``portal.auth.signing_in``)


def end_sessions(user: User):
    """Every session cookie this person holds stops working: cookies name the generation they began in.

    Signing out calls this, so a copied cookie cannot be replayed after its owner signed out."""
    user.session_generation = (user.session_generation or 0) + 1


def change_password(user: User, password: str):
    """A new password ends every other session of this person (their session cookies name the old generation)."""
    user.password_hash = hash_password(password)
    end_sessions(user)
