from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from portal import access, audit, data_stamp, settings_cache
from portal.access import public, signed_in
from portal.auth import bp
from portal.auth.forms import DiscardKeptForm, SignInForm
from portal.auth.models import User
from portal.auth import kept_forms, signing_in, throttle
from portal.auth.rules import authenticate, end_sessions
from portal.extensions import db, login_manager
from portal.schools.models import SchoolRole
from portal.sso import rules as sso_rules

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
# "basic": a phone moving between networks must not sign a headteacher out mid-upload.
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id):
    """The signed-in user, unless deactivated or their password has changed since this session began."""
    user_id, _, generation = session_id.partition(".")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    rows = db.session.execute(
        select(User, SchoolRole.school_id, SchoolRole.role, settings_cache.stamp_column(), data_stamp.stamp_column())
        .outerjoin(SchoolRole, SchoolRole.user_id == User.id).where(User.id == int(user_id))).all()
    user = rows[0][0] if rows else None
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    # The same statement answers what almost every page asks next: the person's roles and the two stamps.
    access.remember_role_pairs(user.id, tuple((row[1], row[2]) for row in rows if row[1]))
    settings_cache.remember_stamp(rows[0][3])
    data_stamp.remember(rows[0][4])
    return user


def safe_next(target):
    """Only follow a ``next`` that stays on this site (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    providers = sso_rules.providers_for_sign_in()
    if form.validate_on_submit():
        instead = sso_rules.provider_instead_of_password(form.email.data, providers)
        if instead is not None:
            form.email.errors.append(f"Your organisation signs in to this portal through {instead.name}: choose "
                                     f"Sign in with {instead.name}")
            return render_template("auth/sign_in.html", form=form, providers=providers), 200
        if throttle.is_throttled(form.email.data, request.remote_addr):
            throttle.record_refusal(form.email.data, request.remote_addr)
            db.session.commit()
            form.email.errors.append("There have been too many attempts to sign in. Wait 15 minutes and try again, "
                                     "or reset your password")
            return render_template("auth/sign_in.html", form=form, providers=providers), 429
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record_failure(form.email.data, request.remote_addr)
            db.session.commit()
            form.email.errors.append("Enter a correct email address and password")
            return render_template("auth/sign_in.html", form=form, providers=providers), 200
        return signing_in.after_first_factor(user, "password", safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form, providers=providers)


@bp.route("/session/keep-alive", methods=["POST"])
@signed_in
def keep_alive():
    """Asked now and then by a page someone is typing into, so the idle timeout counts from their last keystroke."""
    return "", 204


@bp.route("/session/kept", methods=["GET", "POST"])
@signed_in
def kept_form():
    """What someone had typed into a form they sent after their session ended: to send again, or to discard."""
    kept = kept_forms.latest_for(current_user)
    if kept is None:  # sent again or discarded already, or over a day old
        return redirect(url_for("home.index"))
    form = DiscardKeptForm()
    if form.validate_on_submit():
        kept_forms.forget(current_user, kept.id)
        audit.record("auth.kept_form_discarded", f"Discarded what was kept from {kept.path}", record_type="user",
                     record_id=current_user.id)
        db.session.commit()
        flash("What you had typed has been discarded.", "success")
        return redirect(url_for("home.index"))
    return render_template("auth/kept_form.html", kept=kept, form=form, label=kept_forms.label,
                           sent_again_field=kept_forms.SENT_AGAIN_FIELD)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    """End the session on the server, not only in this browser: a copy of the cookie is worthless afterwards."""
    audit.record("auth.signed_out", "Signed out", record_type="user", record_id=current_user.id)
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
