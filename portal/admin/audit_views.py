from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import AuditFilterForm
from portal.admin.audit_display import readable_events
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import School


@bp.route("/audit-log")
@la_admin_required
def audit_log():
    form = AuditFilterForm(request.args)
    schools = db.session.execute(select(School.id, School.name).order_by(School.name)).all()
    users = db.session.execute(select(User.id, User.name, User.email).order_by(User.name)).all()
    form.school_id.choices = [(0, "All schools")] + [(s.id, s.name) for s in schools]
    form.user_id.choices = [(0, "All users")] + [(u.id, f"{u.name} ({u.email})") for u in users]
    query = select(AuditEvent).options(joinedload(AuditEvent.user)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    school_id = request.args.get("school_id", 0, type=int)
    user_id = request.args.get("user_id", 0, type=int)
    if school_id:
        query = query.where(AuditEvent.school_id == school_id)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    # The filters already loaded every school's and person's name: the rows reuse them instead of asking again.
    known = {("school", s.id): s.name for s in schools} | {("user", u.id): u.name for u in users}
    return render_template("admin/audit_log.html", form=form, page=page, events=readable_events(page.items, known))
