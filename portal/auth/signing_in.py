"""The steps of signing in, whatever proved who the person is first (a password, an emailed link; later, single
sign-on): then a second factor where they have one, or setting one up where the LA requires it, then the session.

Between the steps the signed session cookie holds only who is part-way through, how, and since when: ten minutes
to finish, and a password change in between (a new session generation) ends it.
"""

from flask import redirect, session, url_for
from flask_login import login_user

from portal import audit, clock
from portal.auth import sessions, two_factor
from portal.auth.models import User
from portal.extensions import db

PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 600


def after_first_factor(user: User, method: str, next_url: str | None = None):
    """Where someone goes once ``method`` ("password", "emailed link") has proved who they are."""
    if two_factor.is_on(user):
        _remember(user, method, next_url)
        return redirect(url_for("auth.sign_in_code"))
    if two_factor.is_required(user):
        _remember(user, method, next_url)
        return redirect(url_for("auth.sign_in_set_up"))
    return complete(user, method, None, next_url)


def complete(user: User, method: str, second_factor: str | None, next_url: str | None = None):
    """Signed in: the session starts, and the audit log says how they proved who they are."""
    session.pop(PENDING_KEY, None)
    user.last_signed_in_at = clock.now()
    how = f"{method} and {second_factor}" if second_factor else method
    audit.record("auth.signed_in", f"Signed in with {how}", record_type="user", record_id=user.id, user=user,
                 changes={"method": method, "second_factor": second_factor})
    db.session.commit()
    sessions.start()  # ends after the LA's idle timeout, or SESSION_LIFETIME_HOURS (8) at the latest
    login_user(user)
    return redirect(next_url or url_for("home.index"))


def pending():
    """(user, method, next_url) of the person part-way through signing in, or None."""
    held = session.get(PENDING_KEY)
    if not isinstance(held, dict):
        return None
    if clock.now().timestamp() - held.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, held.get("user_id"))
    if user is None or not user.active or user.session_generation != held.get("generation"):
        session.pop(PENDING_KEY, None)
        return None
    return user, held.get("method"), held.get("next")


def _remember(user: User, method: str, next_url: str | None):
    # Commit what the first step wrote (a rehashed password, its audit entries) before the next page.
    db.session.commit()
    session[PENDING_KEY] = {"user_id": user.id, "generation": user.session_generation, "method": method,
                            "next": next_url, "at": clock.now().timestamp()}
