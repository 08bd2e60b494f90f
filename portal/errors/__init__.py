"""Error pages in the portal's own design."""

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.minutes.guard import MinutesLocked

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: ("Sorry, there is a problem with your request", "Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, ask your local authority's school improvement team."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("Sorry, there is a problem with your request", "That page cannot be used in that way. Go back and try again."),
    413: ("The file is too large", "Go back and choose a smaller file."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you submitted has been saved unless you saw a confirmation."),
}


def render_error(status):
    title, advice = MESSAGES[status]
    return render_template("errors/error.html", title=title, advice=advice, status=status), status


@bp.app_errorhandler(MinutesLocked)
def minutes_locked(refusal):
    """A change to circulated or confirmed minutes reached the database layer: refuse it and log it."""
    from flask_login import current_user

    from portal.minutes.guard import record_refusal

    db.session.rollback()
    user = current_user if current_user and current_user.is_authenticated else None
    record_refusal(db.engine, refusal, getattr(user, "id", None), getattr(user, "email", "system"))
    title = "These minutes cannot be changed"
    advice = "Minutes that have been circulated or confirmed never change. Start a correction: it becomes a new version."
    return render_template("errors/error.html", title=title, advice=advice, status=409), 409


@bp.app_errorhandler(StaleDataError)
def changed_meanwhile(error):
    """Two people (or two tabs) changed the same thing at once, and the other change landed first: say so, save
    nothing of this one, and let the person look again rather than showing a server error."""
    db.session.rollback()
    title = "Someone else changed this at the same time"
    advice = "Nothing you just did was saved. Go back, reload the page to see the latest version, and try again."
    return render_template("errors/error.html", title=title, advice=advice, status=409), 409


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    title, advice = "Your session has expired", "Go back, reload the page and try again. Nothing was saved."
    return render_template("errors/error.html", title=title, advice=advice, status=400), 400


def _handler(status):
    def handle(error):
        if status == 500:
            _after_a_failure(getattr(error, "original_exception", error))
        return render_error(status)

    return handle


def _after_a_failure(cause):
    """Make the error page safe to render: no half-done transaction, and when the database itself is away (being
    restarted), the page is drawn for a signed-out visitor instead of asking the database who is signed in."""
    from flask import g
    from sqlalchemy.exc import DBAPIError

    from portal.extensions import login_manager

    try:
        db.session.rollback()
    except DBAPIError:
        pass
    if isinstance(cause, DBAPIError):
        g._login_user = login_manager.anonymous_user()


for _status in MESSAGES:
    bp.app_errorhandler(_status)(_handler(_status))
