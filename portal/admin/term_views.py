from flask import flash, redirect, render_template, url_for

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import ClosureDayForm, DeadlineSettingsForm, TermDatesForm
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.terms.models import HALF_TERM_NAMES, AcademicYear, ClosureDay
from portal.terms.rules import (
    academic_years,
    add_closure_day,
    all_closure_days,
    check_term_dates,
    deadline_settings,
    save_deadline_settings,
    save_term_dates,
)


def _dates(form):
    return [(form[f"starts_{n}"].data, form[f"ends_{n}"].data) for n in range(1, 7)]


def _form_for(year):
    form = TermDatesForm()
    if year is not None and not form.is_submitted():
        form.start_year.data = year.start_year
        for half_term in year.half_terms:
            form[f"starts_{half_term.number}"].data = half_term.starts_on
            form[f"ends_{half_term.number}"].data = half_term.ends_on
    return form


def _handle(year):
    form = _form_for(year)
    if form.validate_on_submit():
        problems = check_term_dates(form.start_year.data, _dates(form), year)
        for field, message in problems:
            form[field].errors = list(form[field].errors) + [message]
        if not problems:
            year = save_term_dates(year, form.start_year.data, _dates(form))
            db.session.commit()
            flash(f"Term dates for {year.label} have been saved.", "success")
            return redirect(url_for("admin.terms"))
    return render_template("admin/term_form.html", form=form, year=year, half_term_names=HALF_TERM_NAMES)


def _render_terms(deadline_form=None, closure_form=None):
    if deadline_form is None:
        settings = deadline_settings()
        deadline_form = DeadlineSettingsForm(formdata=None, obj=settings)
    return render_template("admin/terms.html", years=academic_years(), deadline_form=deadline_form,
                           closure_form=closure_form or ClosureDayForm(formdata=None), closures=all_closure_days())


@bp.route("/term-dates")
@la_admin_required
def terms():
    return _render_terms()


@bp.route("/term-dates/deadlines", methods=["POST"])
@la_admin_required
def deadlines():
    form = DeadlineSettingsForm()
    if form.validate_on_submit():
        save_deadline_settings(agenda_days=form.agenda_days.data, evidence_days=form.evidence_days.data,
                               minutes_days=form.minutes_days.data, notes_days=form.notes_days.data,
                               notes_response_days=form.notes_response_days.data)
        db.session.commit()
        flash("Deadlines saved. Every meeting's deadlines now follow them.", "success")
        return redirect(url_for("admin.terms", _anchor="deadlines"))
    return _render_terms(deadline_form=form)


@bp.route("/term-dates/closures", methods=["POST"])
@la_admin_required
def closure_add():
    form = ClosureDayForm()
    if form.validate_on_submit():
        try:
            add_closure_day(form.day.data, form.reason.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "day")
        else:
            db.session.commit()
            flash("Closure day added: deadlines skip it.", "success")
            return redirect(url_for("admin.terms", _anchor="closures"))
    return _render_terms(closure_form=form)


@bp.route("/term-dates/closures/<int:closure_id>/remove", methods=["POST"])
@la_admin_required
def closure_remove(closure_id):
    closure = db.get_or_404(ClosureDay, closure_id)
    db.session.delete(closure)
    db.session.commit()
    flash("Closure day removed.", "success")
    return redirect(url_for("admin.terms", _anchor="closures"))


@bp.route("/term-dates/new", methods=["GET", "POST"])
@la_admin_required
def term_new():
    return _handle(None)


@bp.route("/term-dates/<int:year_id>", methods=["GET", "POST"])
@la_admin_required
def term_edit(year_id):
    return _handle(db.get_or_404(AcademicYear, year_id))
