import tempfile

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from portal import audit, clock
from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.anonymise import anonymise, is_anonymised
from portal.admin.subject_access import subject_access_zip
from portal.auth.models import User
from portal.errors_domain import RuleBroken
from portal.evidence.storage import storage_for
from portal.extensions import db


@bp.route("/users/<int:user_id>/subject-access", methods=["POST"])
@la_admin_required
def subject_access(user_id):
    """Everything held about one person, for a subject access request: a POST (never fetched ahead by a browser)
    and in the audit log, since it hands over all of someone's data."""
    user = db.get_or_404(User, user_id)
    archive = tempfile.TemporaryFile()  # on disk, not in memory: a headteacher's uploads run to hundreds of MB
    counts = subject_access_zip(user, storage_for(current_app.config), archive)
    audit.record("admin.subject_access", f"Exported everything held about {user.name} (subject access)",
                 record_type="user", record_id=user.id, changes=counts)
    db.session.commit()
    archive.seek(0)
    name = f"subject-access-{user.id}-{clock.today().isoformat()}.zip"
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0)


@bp.route("/users/<int:user_id>/anonymise", methods=["GET", "POST"])
@la_admin_required
def anonymise_user(user_id):
    """Ask first (it cannot be undone), then anonymise someone who has left."""
    user = db.get_or_404(User, user_id)
    problem = None
    if request.method == "POST":
        try:
            anonymise(user, current_user)
        except RuleBroken as broken:
            db.session.rollback()
            problem = str(broken)
        else:
            db.session.commit()
            flash(f"The account is now “Former user {user_id}”. Their records are unchanged.", "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return render_template("admin/anonymise.html", user=user, problem=problem,
                           anonymised=is_anonymised(user)), 400 if problem else 200
