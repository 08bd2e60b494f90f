"""Recording and listing a school's Ofsted inspections."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import may_record_inspection, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.frameworks.ready_made import REPORT_CARD_AREAS, REPORT_CARD_SCALE
from portal.inspections import bp
from portal.inspections.forms import inspection_form
from portal.inspections.rules import record_inspection, school_inspections

# Report cards grade Ofsted's own areas on its own scale: the national framework, not the LA's.
AREAS = [(key, title) for key, title, *_ in REPORT_CARD_AREAS]
GRADE_NAMES = [name for name, *_ in REPORT_CARD_SCALE[2]]


@bp.route("")
@school_access()
def index(school):
    return render_template("inspections/index.html", school=school, inspections=school_inspections(school),
                           area_titles=dict(AREAS))


@bp.route("/new", methods=["GET", "POST"])
@school_access(may_record_inspection)
def new(school):
    form = inspection_form(AREAS, GRADE_NAMES)
    if form.validate_on_submit():
        area_grades = {key: form[f"area_{key.replace('-', '_')}"].data for key, _ in AREAS}
        try:
            record_inspection(
                school, current_user, inspected_on=form.inspected_on.data, inspection_type=form.inspection_type.data,
                legacy_grade=form.legacy_grade.data, area_grades=area_grades,
                safeguarding_met={"met": True, "not-met": False}.get(form.safeguarding.data), notes=form.notes.data or "",
                valid_area_grades={key: GRADE_NAMES for key, _ in AREAS},
            )
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "legacy_grade")
        else:
            db.session.commit()
            flash("Inspection recorded.", "success")
            return redirect(url_for("inspections.index", school_id=school.id))
    return render_template("inspections/new.html", school=school, form=form, areas=AREAS)
