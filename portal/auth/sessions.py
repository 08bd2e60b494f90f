"""How long a signed-in session lasts: it ends after the LA's idle timeout without a request (default 30 minutes)
and, however busy, after an absolute lifetime (``SESSION_LIFETIME_HOURS``, 8) from signing in.

Both are checked on the server against the portal's clock at the start of every request, from two times the
signed session cookie carries, so an old copy of a cookie is no use either. A page someone is typing into keeps
the session alive while they type (``static/js/keep-alive.js`` asks ``/session/keep-alive`` now and then); without
JavaScript, the idle timeout counts from the last page loaded, and a form sent after the session ended keeps what
was typed, to send again after signing in (``auth.kept_forms``). Signing out ends every session of the person on
the server (``auth.rules.end_sessions``)."""

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from portal import audit, clock
from portal.auth import kept_forms
from portal.auth.models import SessionSettings
from portal.errors_domain import RuleBroken
from portal.extensions import db, htmx
from portal.settings_cache import kept_between_requests

DEFAULT_IDLE_MINUTES = 30
IDLE_MINUTES_RANGE = (5, 480)
# The cookie's "last seen" is rewritten at most this often (each rewrite is a new Set-Cookie).
SEEN_EVERY_SECONDS = 30
# Requests that neither need a session nor may end one.
UNCHECKED_ENDPOINTS = {"static", "health.healthz"}
MESSAGES = {
    "idle": "You were signed out because the portal was not used for {minutes} minutes.",
    "lifetime": "You were signed out because you signed in more than {hours} hours ago.",
}
CARRY_ON = "Sign in again to carry on."
KEPT = "What you had typed was kept: sign in again to check it and send it."


@kept_between_requests(SessionSettings)
def session_settings(loader):
    """The LA's session settings; the defaults (not yet saved) until the LA admin changes them. Never writes."""
    return (loader.scalar(select(SessionSettings).order_by(SessionSettings.id).limit(1))
            or SessionSettings(idle_minutes=DEFAULT_IDLE_MINUTES, two_factor_for_staff=False))


def save_session_settings(*, idle_minutes: int, two_factor_for_staff: bool | None = None):
    low, high = IDLE_MINUTES_RANGE
    if not low <= idle_minutes <= high:
        raise RuleBroken(f"The idle timeout must be between {low} and {high} minutes", "idle_minutes")
    settings = db.session.scalar(select(SessionSettings).order_by(SessionSettings.id).limit(1))
    if settings is None:
        settings = SessionSettings()
        db.session.add(settings)
    settings.idle_minutes = idle_minutes
    if two_factor_for_staff is not None:
        settings.two_factor_for_staff = bool(two_factor_for_staff)
    return settings


def why_ended(signed_in_at: float, seen_at: float, now: float, *, idle_minutes: int, lifetime_seconds: float):
    """"idle", "lifetime" or None (the session goes on): times are seconds since the epoch."""
    if now - signed_in_at > lifetime_seconds:
        return "lifetime"
    if now - seen_at > idle_minutes * 60:
        return "idle"
    return None


def start():
    """Mark the session as begun now (call when someone signs in)."""
    now = clock.now().timestamp()
    session.permanent = True
    session["signed_in_at"] = session["seen_at"] = now


def init_app(app):
    app.before_request(_check)
    app.before_request(kept_forms.forget_when_sent_again)  # after the check: only in a session still going


def _check():
    """End a session that sat idle too long or outlived its lifetime; otherwise note that it was used now."""
    if request.endpoint in UNCHECKED_ENDPOINTS or "_user_id" not in session:
        return None
    # Load the person first: the same statement brings the settings stamp, so the LA's timeout costs nothing more.
    if not current_user.is_authenticated:
        return None
    now = clock.now().timestamp()
    signed_in_at, seen_at = session.get("signed_in_at"), session.get("seen_at")
    if signed_in_at is None or seen_at is None:  # a session from before these times were kept: from now
        session["signed_in_at"] = session["seen_at"] = now
        return None
    idle_minutes = session_settings().idle_minutes
    lifetime = current_app.config["SESSION_LIFETIME_HOURS"] * 3600
    reason = why_ended(signed_in_at, seen_at, now, idle_minutes=idle_minutes, lifetime_seconds=lifetime)
    if reason is None:
        if now - seen_at >= SEEN_EVERY_SECONDS:
            session["seen_at"] = now
        return None
    return _end(reason, idle_minutes, lifetime)


def _end(reason, idle_minutes, lifetime):
    summary = ("Signed out after the idle timeout" if reason == "idle"
               else "Signed out at the end of the session's lifetime")
    kept = _keep_what_was_sent()
    if kept is not None:
        summary += f"; kept what was sent to {kept.path} to send again"
    audit.record("auth.session_ended", summary, record_type="user", record_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(MESSAGES[reason].format(minutes=idle_minutes, hours=round(lifetime / 3600))
          + " " + (CARRY_ON if kept is None else KEPT), "important")
    if kept is not None:
        next_page = url_for("auth.kept_form")
    else:
        next_page = request.full_path if request.method == "GET" and not htmx else None
    target = url_for("auth.sign_in", next=next_page)
    if htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def _keep_what_was_sent():
    """A form sent after the session ended: keep what was typed (``auth.kept_forms``), or None."""
    if not kept_forms.sent_a_form() or request.endpoint is None:
        return None  # (no endpoint: no page to send it to again)
    return kept_forms.keep(current_user, request.full_path.rstrip("?"), request.form, request.files)
