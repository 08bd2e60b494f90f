"""Signing in through an identity provider: off to the provider, and back with who the person is."""

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import clock
from portal.access import public
from portal.auth import signing_in
from portal.auth.views import safe_next
from portal.extensions import db
from portal.sso import bp, oidc, rules
from portal.sso.models import IdentityProvider

HELD_KEY = "sso"
HELD_SECONDS = 600


def redirect_uri() -> str:
    """Where providers send people back: registered with each provider, so it comes from PUBLIC_URL, not the request."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/sign-in/sso/callback"


@bp.route("/sign-in/with/<int:provider_id>")
@public
def start(provider_id):
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or not provider.active:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    try:
        url, held = oidc.start(provider, redirect_uri(), clock.now())
    except oidc.SignInProblem as problem:
        return _problem(provider, problem)
    session[HELD_KEY] = {**held, "next": safe_next(request.args.get("next"))}
    return redirect(url)


@bp.route("/sign-in/sso/callback")
@public
def callback():
    held = session.pop(HELD_KEY, None)
    provider = db.session.get(IdentityProvider, held.get("provider_id")) if isinstance(held, dict) else None
    if provider is None or not provider.active:
        return _problem(None, oidc.SignInProblem("This sign-in could not be checked: it may have been started in "
                                                 "another browser, or too long ago. Start again", detail="nothing held"))
    if clock.now().timestamp() - held.get("at", 0) > HELD_SECONDS:
        return _problem(provider, oidc.SignInProblem("The sign-in took too long. Start again", detail="over 10 minutes"))
    answer = redirect_uri() + "?" + request.query_string.decode("utf-8", "replace")
    try:
        identity = oidc.finish(provider, held, answer, redirect_uri(), clock.now())
        user = rules.account_for(provider, identity, clock.now())
    except oidc.SignInProblem as problem:
        return _problem(provider, problem)
    return signing_in.after_first_factor(user, f"single sign-on ({provider.name})", held.get("next"))


def _problem(provider, problem):
    """No session: say what went wrong, record it, and offer the other ways in."""
    db.session.rollback()
    if provider is not None:
        rules.record_failure(provider, problem)
        db.session.commit()
    current_app.logger.info("single sign-on refused: %s", problem.detail or problem.message)
    return render_template("sso/problem.html", problem=problem, provider=provider), problem.status
