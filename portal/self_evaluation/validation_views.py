"""The adviser's side: area-by-area validation, then validated or returned to the school."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import may_validate_school, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db, htmx
from portal.inspections.rules import latest_inspection
from portal.self_evaluation import bp, rules
from portal.self_evaluation.forms import DecisionForm, adviser_form
from portal.self_evaluation.models import EvaluationStatus
from portal.self_evaluation.views import evaluation_or_404, judgement_or_404, replace_area


def _render_validate(school, evaluation, forms=None, decision_form=None):
    forms = forms or {}
    for judgement in evaluation.judgements:
        forms.setdefault(judgement.id, adviser_form(judgement, evaluation.version.scale, submitted=False))
    if decision_form is None:
        decision_form = DecisionForm(formdata=None)
        decision_form.summary.data = evaluation.adviser_summary
    return render_template("self_evaluation/validate.html", school=school, evaluation=evaluation, areas=rules.areas_for(evaluation),
                           forms=forms, decision_form=decision_form, inspection=latest_inspection(school))


@bp.route("/<int:evaluation_id>/validate")
@school_access(may_validate_school)
def validate(school, evaluation_id):
    evaluation = evaluation_or_404(school, evaluation_id)
    if evaluation.status != EvaluationStatus.SUBMITTED:
        flash(f"This self-evaluation is {evaluation.status.label.lower()}: only a submitted one can be validated.", "info")
        return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
    return _render_validate(school, evaluation)


@bp.route("/<int:evaluation_id>/validate/areas/<int:judgement_id>", methods=["POST"])
@school_access(may_validate_school)
def save_adviser_view(school, evaluation_id, judgement_id):
    evaluation = evaluation_or_404(school, evaluation_id)
    judgement = judgement_or_404(evaluation, judgement_id)
    form = adviser_form(judgement, evaluation.version.scale)
    if form.validate_on_submit():
        try:
            rules.record_adviser_view(judgement, agrees=form.agrees.data == "yes", grade_id=form.grade_id.data or None,
                                      reason=form.reason.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "agrees")
        else:
            db.session.commit()
            if not htmx:
                flash(f"Your view of {judgement.area.title} is saved.", "success")
                return redirect(url_for("self_evaluation.validate", school_id=school.id, evaluation_id=evaluation.id,
                                        _anchor=f"area-{judgement.area.key}"))
    if htmx:
        return replace_area(judgement.area, render_template(
            "self_evaluation/_adviser_area.html", school=school, evaluation=evaluation, area=judgement.area,
            judgement=judgement, form=form, saved=not form.errors))
    return _render_validate(school, evaluation, forms={judgement.id: form})


@bp.route("/<int:evaluation_id>/decision", methods=["POST"])
@school_access(may_validate_school)
def decide(school, evaluation_id):
    evaluation = evaluation_or_404(school, evaluation_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if form.return_evaluation.data:
                rules.return_to_school(evaluation, current_user, form.comments.data or "")
                message = f"{evaluation.title} self-evaluation returned to {school.name}"
            else:
                agrees = {"yes": True, "no": False}.get(form.safeguarding_agrees.data)
                rules.validate(evaluation, current_user, form.summary.data or "", agrees)
                message = f"{evaluation.title} self-evaluation validated"
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "summary")
        else:
            db.session.commit()
            flash(message, "panel")
            return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
    return _render_validate(school, evaluation, decision_form=form)
