"""The profile page (which reminders and notices you get) and the LA admin's outbox."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.access import la_admin_required, signed_in
from portal.auth import two_factor
from portal.extensions import db
from portal.reminders import outbox
from portal.reminders.models import MessageStatus, OutboxMessage
from portal.notices.rules import NOTICES
from portal import clock
from portal.reminders.scan import SCHEDULE, kinds_held_on, sending_day
from portal.schools.models import Role

bp = Blueprint("reminders", __name__)

# Which reminders each role receives (keys of SCHEDULE).
RECEIVES = {
    Role.HEADTEACHER: ["evidence", "meeting", "accuracy"], Role.SENIOR_LEADER: ["evidence"],
    Role.ADVISER: ["agenda", "meeting", "minutes", "verification", "notes", "support"],
    Role.CHAIR_OF_GOVERNORS: ["meeting", "confirm"],
    Role.GOVERNOR: ["confirm"], Role.CLERK: [],
}


# Which notices each role receives (keys of NOTICES).
TOLD = {
    Role.HEADTEACHER: ["evidence-query", "evidence-decided", "self-evaluation-validated", "self-evaluation-returned",
                       "meeting-scheduled", "meeting-moved", "minutes-circulated", "minutes-confirmed", "notes-issued",
                       "notes-final", "category-published", "category-letter", "intervention-step", "exit-decided"],
    Role.SENIOR_LEADER: ["evidence-query", "evidence-decided", "self-evaluation-validated", "self-evaluation-returned",
                         "notes-issued", "notes-final", "category-published"],
    Role.ADVISER: ["meeting-scheduled", "meeting-moved", "minutes-circulated", "minutes-confirmed", "notes-answered",
                   "category-changed", "exit-decided"],
    Role.CHAIR_OF_GOVERNORS: ["meeting-scheduled", "meeting-moved", "minutes-circulated", "category-published",
                              "category-letter", "intervention-step", "exit-decided"],
    Role.GOVERNOR: ["minutes-circulated", "category-published"], Role.CLERK: ["minutes-confirmed", "category-published"],
}


def _kinds_for(roles, table):
    kinds = []
    for role in roles:
        kinds += [kind for kind in table.get(role, []) if kind not in kinds]
    return kinds


@bp.route("/profile")
@signed_in
def profile():
    roles = [membership.role for membership in current_user.school_roles]
    recent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_user_id == current_user.id)
                                .order_by(OutboxMessage.id.desc()).limit(20)).all()
    return render_template("reminders/profile.html", kinds=[(kind, *SCHEDULE[kind]) for kind in _kinds_for(roles, RECEIVES)],
                           notices=[(kind, *NOTICES[kind]) for kind in _kinds_for(roles, TOLD)], recent=recent,
                           two_factor_on=two_factor.is_on(current_user))


@bp.route("/admin/outbox")
@la_admin_required
def outbox_page():
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in MessageStatus}:
        query = query.where(OutboxMessage.status == MessageStatus(status))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("reminders/outbox.html", page=page, status=status, statuses=list(MessageStatus),
                           smtp=bool(current_app.config.get("SMTP_HOST")), mail_folder=current_app.config["MAIL_FOLDER"])


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@la_admin_required
def retry(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    outbox.retry(message)
    db.session.commit()
    outbox.deliver_due(hold_kinds=kinds_held_on(sending_day(clock.now())))
    flash(f"Tried again: {message.subject} is {message.status.label.lower()}.", "success")
    return redirect(url_for("reminders.outbox_page", status=request.args.get("status", "")))
