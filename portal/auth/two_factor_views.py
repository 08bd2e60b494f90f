"""Two-factor pages: the code asked for after the password, setting up an app (when signing in, where the LA
requires it, or from Your profile), turning it off and making new recovery codes."""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import audit, clock
from portal.access import public, signed_in
from portal.auth import bp, signing_in, throttle, two_factor
from portal.auth.two_factor_forms import NewRecoveryCodesForm, SetUpForm, SignInCodeForm, TurnOffForm
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db

SET_UP_KEY = "two_factor_set_up"


# --- while signing in ------------------------------------------------------------------------------

@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def sign_in_code():
    held = signing_in.pending()
    if held is None:
        return _start_again()
    user, method, next_url = held
    form = SignInCodeForm()
    if form.validate_on_submit():
        if throttle.is_throttled(user.email, request.remote_addr):
            throttle.record_refusal(user.email, request.remote_addr)
            db.session.commit()
            form.code.errors.append("There have been too many attempts to sign in. Wait 15 minutes and try again")
            return render_template("auth/sign_in_code.html", form=form), 429
        try:
            second_factor = two_factor.check(user, form.code.data, clock.now())
        except RuleBroken as problem:
            db.session.rollback()
            throttle.record_failure(user.email, request.remote_addr)
            audit.record("auth.second_factor_failed", "Sign-in failed: wrong or used code", record_type="user",
                         record_id=user.id, user=user)
            db.session.commit()
            attach_to_form(form, problem, "code")
            return render_template("auth/sign_in_code.html", form=form)
        if second_factor == two_factor.RECOVERY:
            left = two_factor.recovery_codes_left(user)
            flash(f"You used a recovery code: it will not work again. You have {left} left. If your phone is lost, "
                  "set up your app again from Your profile.", "important")
        return signing_in.complete(user, method, second_factor, next_url)
    return render_template("auth/sign_in_code.html", form=form)


@bp.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@public
def sign_in_set_up():
    """The LA requires a second factor of this person and they have none yet: they set one up to finish signing in."""
    held = signing_in.pending()
    if held is None:
        return _start_again()
    user, method, next_url = held
    form = SetUpForm()
    secret = _set_up_secret(user)
    codes = _confirmed(form, user, secret)
    if codes is None:
        return _set_up_page(form, user, secret, required=True)
    signing_in.complete(user, method, two_factor.APP, next_url)  # commits
    return _recovery_codes_page(codes, next_url or url_for("home.index"), just_set_up=True)


# --- from Your profile -----------------------------------------------------------------------------

@bp.route("/profile/two-factor")
@signed_in
def two_factor_settings():
    return _settings_page()


@bp.route("/profile/two-factor/set-up", methods=["GET", "POST"])
@signed_in
def two_factor_set_up():
    if two_factor.is_on(current_user):
        return redirect(url_for("auth.two_factor_settings"))
    form = SetUpForm()
    secret = _set_up_secret(current_user)
    codes = _confirmed(form, current_user, secret)
    if codes is None:
        return _set_up_page(form, current_user, secret, required=False)
    db.session.commit()
    return _recovery_codes_page(codes, url_for("auth.two_factor_settings"), just_set_up=True)


@bp.route("/profile/two-factor/turn-off", methods=["POST"])
@signed_in
def two_factor_turn_off():
    form = TurnOffForm(prefix="turn-off")
    if form.validate_on_submit():
        try:
            two_factor.check(current_user, form.code.data, clock.now())
            two_factor.turn_off(current_user)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "code")
        else:
            db.session.commit()
            flash("Two-factor authentication is off. You sign in with your password alone.", "success")
            return redirect(url_for("auth.two_factor_settings"))
    return _settings_page(turn_off_form=form)


@bp.route("/profile/two-factor/recovery-codes", methods=["POST"])
@signed_in
def two_factor_new_codes():
    form = NewRecoveryCodesForm(prefix="new-codes")
    if form.validate_on_submit():
        try:
            if two_factor.check(current_user, form.code.data, clock.now()) != two_factor.APP:
                raise RuleBroken("Enter a code from your authenticator app, not a recovery code", "code")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "code")
        else:
            codes = two_factor.new_recovery_codes(current_user, clock.now())
            audit.record("auth.recovery_codes_made", "New recovery codes made: the earlier ones no longer work",
                         record_type="user", record_id=current_user.id)
            db.session.commit()
            return _recovery_codes_page(codes, url_for("auth.two_factor_settings"), just_set_up=False)
    return _settings_page(codes_form=form)


@bp.route("/two-factor/qr-code.svg")
@public
def two_factor_qr_code():
    """The QR code of the app being set up, by whoever is setting it up (signed in, or part-way through signing in)."""
    held = signing_in.pending()
    user = current_user if current_user.is_authenticated else (held[0] if held else None)
    set_up = session.get(SET_UP_KEY)
    if user is None or not isinstance(set_up, dict) or set_up.get("user_id") != user.id:
        abort(404)
    uri = two_factor.provisioning_uri(set_up["secret"], user, current_app.config["SERVICE_NAME"])
    response = make_response(two_factor.qr_code_svg(uri))
    response.headers.update({"Content-Type": "image/svg+xml", "Cache-Control": "no-store",
                             "Content-Security-Policy": "default-src 'none'"})
    return response


# --- shared -----------------------------------------------------------------------------------------

def _set_up_secret(user):
    """The secret of the app this person is setting up, kept in their session until it is confirmed."""
    set_up = session.get(SET_UP_KEY)
    if not isinstance(set_up, dict) or set_up.get("user_id") != user.id:
        set_up = {"user_id": user.id, "secret": two_factor.new_secret()}
        session[SET_UP_KEY] = set_up
    return set_up["secret"]


def _confirmed(form, user, secret):
    """The recovery codes once the code sent proves the app holds ``secret`` (not yet committed); else None, with
    the form showing why."""
    if not form.validate_on_submit():
        return None
    try:
        codes = two_factor.confirm_set_up(user, secret, form.code.data, clock.now())
    except RuleBroken as problem:
        db.session.rollback()
        attach_to_form(form, problem, "code")
        return None
    session.pop(SET_UP_KEY, None)
    return codes


def _set_up_page(form, user, secret, *, required):
    return render_template("auth/two_factor_set_up.html", form=form, required=required,
                           secret=two_factor.grouped(secret), account=user.email,
                           action=url_for("auth.sign_in_set_up" if required else "auth.two_factor_set_up"))


def _recovery_codes_page(codes, continue_to, *, just_set_up):
    response = make_response(render_template("auth/recovery_codes.html", codes=codes, continue_to=continue_to,
                                              just_set_up=just_set_up))
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings_page(turn_off_form=None, codes_form=None):
    """Your profile's two-factor page; after a refused code, the form that was sent shows its error."""
    return render_template("auth/two_factor.html", on=two_factor.is_on(current_user),
                           required=two_factor.is_required(current_user),
                           left=two_factor.recovery_codes_left(current_user),
                           turn_off_form=turn_off_form or TurnOffForm(prefix="turn-off", formdata=None),
                           codes_form=codes_form or NewRecoveryCodesForm(prefix="new-codes", formdata=None))


def _start_again():
    flash("Sign in again: it has been more than 10 minutes since you entered your password.", "important")
    return redirect(url_for("auth.sign_in"))
