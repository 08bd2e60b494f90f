from flask import flash, redirect, render_template, url_for

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import TermDatesForm
from portal.extensions import db
from portal.terms.models import HALF_TERM_NAMES, AcademicYear
from portal.terms.rules import academic_years, check_term_dates, save_term_dates


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


@bp.route("/term-dates")
@la_admin_required
def terms():
    return render_template("admin/terms.html", years=academic_years())


@bp.route("/term-dates/new", methods=["GET", "POST"])
@la_admin_required
def term_new():
    return _handle(None)


@bp.route("/term-dates/<int:year_id>", methods=["GET", "POST"])
@la_admin_required
def term_edit(year_id):
    return _handle(db.get_or_404(AcademicYear, year_id))
