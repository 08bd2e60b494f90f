"""The adviser's verification queue, and the schools whose evidence is not yet verified this half term."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from portal.access import is_la_admin, signed_in
from portal.clock import as_london
from portal.evidence import rules
from portal.exports import table_response
from portal.extensions import db
from portal.page_cache import kept_page

bp = Blueprint("evidence_queue", __name__)


@bp.route("/verification")
@signed_in
@kept_page
def queue():
    admin = is_la_admin(current_user)
    half_term, not_verified = rules.schools_not_verified_this_half_term(None if admin else current_user)
    page = db.paginate(rules.verification_queue_query(current_user, is_admin=admin),
                       page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("evidence/queue.html", page=page, items=page.items,
                           half_term=half_term, not_verified=not_verified,
                           during_visits=rules.decisions_during_visits(current_user, is_admin=admin))


def _queue_export(kind):
    items = rules.verification_queue(current_user, is_admin=is_la_admin(current_user))
    rows = [[item.title, item.school.name, item.meeting.title, item.meeting.meets_on, as_london(item.versions[-1].submitted_at).date(),
             "Yes" if item.late else "", "Yes" if len(item.versions) > 1 else ""] for item in items]
    return table_response(kind, "Evidence waiting for verification", [],
                          ["Evidence", "School", "For", "Meeting date", "Submitted", "Late", "Query answered"], rows)


@bp.route("/verification.csv")
@signed_in
def queue_csv():
    return _queue_export("csv")


@bp.route("/verification.xlsx")
@signed_in
def queue_xlsx():
    return _queue_export("xlsx")
