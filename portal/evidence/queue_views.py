"""The adviser's verification queue, and the schools whose evidence is not yet verified this half term."""

from flask import Blueprint, render_template
from flask_login import current_user

from portal.access import is_la_admin, signed_in
from portal.evidence import rules

bp = Blueprint("evidence_queue", __name__)


@bp.route("/verification")
@signed_in
def queue():
    admin = is_la_admin(current_user)
    half_term, not_verified = rules.schools_not_verified_this_half_term(None if admin else current_user)
    return render_template("evidence/queue.html", items=rules.verification_queue(current_user, is_admin=admin),
                           half_term=half_term, not_verified=not_verified,
                           during_visits=rules.decisions_during_visits(current_user, is_admin=admin))
