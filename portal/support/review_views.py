"""Termly impact reviews (the school's adviser or the LA admin) and the LA admin's commissioning view."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import la_admin_required, may_record_support, school_access
from portal.errors_domain import rule_for
from portal.support import bp
from portal.support.forms import ReviewForm
from portal.support.reviews import commissioning, record_review
from portal.support.views import package_or_404


@bp.route("/schools/<int:school_id>/support/<int:package_id>/review", methods=["GET", "POST"])
@school_access(may_record_support)
def review(school, package_id):
    package = package_or_404(school, package_id)
    form = ReviewForm()
    if form.validate_on_submit():
        with rule_for(form, "impact") as outcome:
            record_review(package, current_user, impact=form.impact.data or "", decision=form.decision.data,
                          reason=form.reason.data or "", today=clock.today())
        if outcome.ok:
            flash(f"The review of {package.name} is recorded.", "success")
            return redirect(url_for("support.index", school_id=school.id, _anchor=f"package-{package.id}"))
    return render_template("support/review_form.html", school=school, package=package, form=form)


@bp.route("/support/commissioning")
@la_admin_required
def commissioning_view():
    due_only = request.args.get("due") == "1"
    rows, term = commissioning(clock.today(), due_only=due_only)
    return render_template("support/commissioning.html", rows=rows, term=term, due_only=due_only)
