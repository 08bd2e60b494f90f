"""Forgotten passwords and invitations: emailed one-use links that let a person set their password."""

from flask import current_app, flash, render_template
from flask_login import current_user, logout_user

from portal import audit
from portal.access import public
from portal.auth import bp, signing_in, tokens
from portal.auth.account_forms import ForgotPasswordForm, NewPasswordForm
from portal.auth.models import User
from portal.auth.rules import change_password, find_user_by_email
from portal.extensions import db
from portal.reminders import outbox
from portal.sso import rules as sso_rules

TOKEN_RULE = f"<string(length={tokens.TOKEN_LENGTH}):token>"


# --- emails ------------------------------------------------------------------------

def _link(path: str, raw_token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/{path}/{raw_token}"


def _queue_account_email(user: User, raw_token: str, *, kind: str, subject: str, template: str, link: str) -> bool:
    details = dict(user=user, link=link, service_name=current_app.config["SERVICE_NAME"],
                   organisation_name=current_app.config["ORGANISATION_NAME"])
    return outbox.queue(
        key=f"{kind}:user:{user.id}:{tokens.hash_token(raw_token)[:16]}",
        kind=kind,
        recipient_email=user.email,
        recipient_user_id=user.id,
        subject=subject,
        text_body=render_template(f"emails/{template}.txt", **details),
        html_body=render_template(f"emails/{template}.html", **details),
    )


def send_invitation(user: User) -> str:
    """Issue an invitation and queue its email. The caller commits, then calls ``outbox.deliver_due()``.

    Any earlier invitation link for this person stops working. Returns the raw token (for tests only:
    never show or log it).
    """
    raw_token = tokens.issue(user, tokens.INVITATION)
    _queue_account_email(user, raw_token, kind="invitation",
                         subject=f"You have been invited to {current_app.config['SERVICE_NAME']}",
                         template="account_invitation", link=_link("set-password", raw_token))
    audit.record("auth.invitation_sent", f"Invitation emailed to {user.email}", record_type="user", record_id=user.id)
    return raw_token


def send_password_reset(user: User) -> str:
    """Issue a password reset and queue its email. The caller commits, then delivers."""
    raw_token = tokens.issue(user, tokens.PASSWORD_RESET)
    _queue_account_email(user, raw_token, kind="password_reset",
                         subject=f"Reset your password for {current_app.config['SERVICE_NAME']}",
                         template="account_reset", link=_link("reset-password", raw_token))
    audit.record("auth.password_reset_requested", "Password reset link emailed", record_type="user", record_id=user.id)
    return raw_token


RESETS_PER_HOUR = 3  # more would let anyone fill a person's inbox


# --- pages ------------------------------------------------------------------------

@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        # The same page whether or not the account exists, so the form never tells anyone who has one.
        # People whose organisation signs in through a provider have no password here to reset.
        if (user is not None and user.active and sso_rules.provider_instead_of_password(user.email) is None
                and tokens.issued_recently(user, tokens.PASSWORD_RESET) < RESETS_PER_HOUR):
            send_password_reset(user)
            db.session.commit()
            outbox.deliver_due()
        return render_template("auth/forgot_password_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route(f"/reset-password/{TOKEN_RULE}", methods=["GET", "POST"])
@public
def reset_password(token):
    return _set_password_from_link(token, tokens.PASSWORD_RESET)


@bp.route(f"/set-password/{TOKEN_RULE}", methods=["GET", "POST"])
@public
def set_password(token):
    return _set_password_from_link(token, tokens.INVITATION)


def _set_password_from_link(raw_token: str, purpose: str):
    invitation = purpose == tokens.INVITATION
    token_row = tokens.find_usable(raw_token, purpose)
    if token_row is None:
        return render_template("auth/link_expired.html", invitation=invitation), 400
    user = token_row.user
    form = NewPasswordForm()
    if form.validate_on_submit():
        if not tokens.use(token_row):  # another request used the link a moment ago
            db.session.rollback()
            return render_template("auth/link_expired.html", invitation=invitation), 400
        if current_user.is_authenticated:  # someone else's session in this browser ends here
            logout_user()
        # The person acting is the one who proved they hold the emailed link; the row audit says so.
        actor = audit.cli_actor.set(user.email)
        try:
            change_password(user, form.password.data)
            action, summary = (("auth.password_set", "Password set from an invitation link") if invitation
                               else ("auth.password_reset", "Password reset from an emailed link"))
            audit.record(action, summary, record_type="user", record_id=user.id, user=user,
                         changes={"account_token_id": token_row.id})
            db.session.flush()
        finally:
            audit.cli_actor.reset(actor)
        db.session.commit()
        flash("Your password has been set." if invitation else "Your password has been changed.", "success")
        # As after signing in with a password: the second factor is still asked for, where the person has one.
        return signing_in.after_first_factor(user, "emailed link")
    template = "auth/set_password.html" if invitation else "auth/reset_password.html"
    return render_template(template, form=form, user=user)
