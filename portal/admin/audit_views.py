from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import AuditFilterForm
from portal.admin.audit_display import readable_events
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.exports import table_response
from portal.extensions import db
from portal.templating import govuk_datetime
from portal.schools.models import School


# A download stops at this many events, newest first (the file says so): narrow it by school or person for more.
EXPORT_LIMIT = 20_000


def _filtered():
    """(form, query, names already loaded, filters in words) for the audit log's filters."""
    form = AuditFilterForm(request.args)
    schools = db.session.execute(select(School.id, School.name).order_by(School.name)).all()
    users = db.session.execute(select(User.id, User.name, User.email).order_by(User.name)).all()
    form.school_id.choices = [(0, "All schools")] + [(s.id, s.name) for s in schools]
    form.user_id.choices = [(0, "All users")] + [(u.id, f"{u.name} ({u.email})") for u in users]
    query = select(AuditEvent).options(joinedload(AuditEvent.user)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    school_id = request.args.get("school_id", 0, type=int)
    user_id = request.args.get("user_id", 0, type=int)
    named = []
    if school_id:
        query = query.where(AuditEvent.school_id == school_id)
        named.append(("School", dict(form.school_id.choices).get(school_id, school_id)))
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
        named.append(("User", dict(form.user_id.choices).get(user_id, user_id)))
    # The filters already loaded every school's and person's name: the rows reuse them instead of asking again.
    known = {("school", s.id): s.name for s in schools} | {("user", u.id): u.name for u in users}
    return form, query, known, named


@bp.route("/audit-log")
@la_admin_required
def audit_log():
    form, query, known, _ = _filtered()
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/audit_log.html", form=form, page=page, events=readable_events(page.items, known))


def _audit_export(kind):
    _, query, known, named = _filtered()
    events = readable_events(db.session.scalars(query.limit(EXPORT_LIMIT)).all(), known)
    if len(events) == EXPORT_LIMIT:
        named.append(("Rows", f"the latest {EXPORT_LIMIT:,} events only"))
    rows = [[govuk_datetime(row.event.at), row.who, row.event.summary, row.record, row.school,
             "\n".join(f"{c.field}: {c.before} → {c.after}" if c.before is not None else f"{c.field}: {c.after}"
                       for c in row.changes)] for row in events]
    return table_response(kind, "Audit log", named, ["When", "Who", "What", "Record", "School", "Changes"], rows)


@bp.route("/audit-log.csv")
@la_admin_required
def audit_log_csv():
    return _audit_export("csv")


@bp.route("/audit-log.xlsx")
@la_admin_required
def audit_log_xlsx():
    return _audit_export("xlsx")
