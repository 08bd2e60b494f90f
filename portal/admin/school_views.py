from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import GiasImportForm, SchoolForm
from portal.auth.models import User
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.schools.gias import GiasImportError, import_schools
from portal.schools.models import School, SchoolRole
from portal.schools.rules import assign_adviser, default_local_authority, save_school


@bp.route("/schools")
@la_admin_required
def schools():
    search = request.args.get("q", "").strip()
    query = select(School).options(selectinload(School.roles).selectinload(SchoolRole.user)).order_by(School.name)
    if search:
        query = query.where(or_(School.name.ilike(f"%{search}%"), School.urn == (int(search) if search.isdigit() else -1)))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/schools.html", page=page, search=search)


def _school_form(school=None):
    form = SchoolForm(obj=school)
    form.ofsted_grade.data = form.ofsted_grade.data or ""  # "No overall grade" is stored as NULL
    people = db.session.execute(select(User.id, User.name, User.email).where(User.active.is_(True)).order_by(User.name)).all()
    form.adviser_id.choices = [(0, "No adviser")] + [(p.id, f"{p.name} ({p.email})") for p in people]
    if school is not None and request.method == "GET":
        advisers = school.advisers
        form.adviser_id.data = advisers[0].id if advisers else 0
        form.sixth_form.data = {True: "yes", False: "no"}.get(school.has_sixth_form, "unknown")
    return form


def _save(school, form):
    school = save_school(
        school,
        urn=form.urn.data,
        name=form.name.data,
        phase=form.phase.data,
        establishment_type=form.establishment_type.data,
        ofsted_grade=form.ofsted_grade.data,
        ofsted_inspected_on=form.ofsted_inspected_on.data,
        has_sixth_form={"yes": True, "no": False}.get(form.sixth_form.data),
        local_authority=school.local_authority if school else default_local_authority(),
    )
    school.statutory_low_age, school.statutory_high_age = form.statutory_low_age.data, form.statutory_high_age.data
    adviser = db.session.get(User, form.adviser_id.data) if form.adviser_id.data else None
    assign_adviser(school, adviser)
    return school


@bp.route("/schools/new", methods=["GET", "POST"])
@la_admin_required
def school_new():
    form = _school_form()
    if form.validate_on_submit():
        if default_local_authority() is None:
            form.urn.errors.append("Import schools from GIAS first, so the portal knows your local authority")
        else:
            try:
                school = _save(None, form)
            except RuleBroken as problem:
                db.session.rollback()
                attach_to_form(form, problem, "urn")
            else:
                db.session.commit()
                flash(f"{school.name} has been added.", "success")
                return redirect(url_for("schools.show", school_id=school.id))
    return render_template("admin/school_form.html", form=form, school=None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@la_admin_required
def school_edit(school_id):
    school = db.get_or_404(School, school_id)
    form = _school_form(school)
    if form.validate_on_submit():
        try:
            _save(school, form)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "urn")
        else:
            db.session.commit()
            flash(f"Changes to {school.name} have been saved.", "success")
            return redirect(url_for("schools.show", school_id=school.id))
    return render_template("admin/school_form.html", form=form, school=school)


@bp.route("/schools/import", methods=["GET", "POST"])
@la_admin_required
def gias_import():
    form = GiasImportForm()
    if request.method == "GET" and default_local_authority() is not None:
        form.la_code.data = default_local_authority().code
    result = None
    if form.validate_on_submit():
        try:
            result = import_schools(form.gias_file.data.read(), form.la_code.data)
        except GiasImportError as problem:
            db.session.rollback()
            form.gias_file.errors = list(form.gias_file.errors) + [str(problem)]
        else:
            db.session.commit()
            flash(f"Import finished: {result.summary}.", "success")
            return redirect(url_for("admin.schools"))
    return render_template("admin/gias_import.html", form=form)
