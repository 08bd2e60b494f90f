"""The adviser's side: area-by-area validation, then validated or returned to the school."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import may_validate_school, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db, htmx
from portal.notices import events as notices
from portal.inspections.rules import latest_inspection
from portal.self_evaluation import bp, rules
from portal.self_evaluation.forms import DecisionForm, adviser_form
from portal.self_evaluation.models import EvaluationStatus
from portal.self_evaluation.views import evaluation_or_404, judgement_or_404, replace_area


def _render_validate(school, evaluation, forms=None, decision_form=None, awaiting_shown=False):
    """The validation page. ``awaiting_shown``: the error summary lists the areas still without a view (after an
    attempt to validate too early); it is recomputed from what is saved, here and after every htmx save."""
    forms = forms or {}
    for judgement in evaluation.judgements:
        forms.setdefault(judgement.id, adviser_form(judgement, evaluation.version.scale, submitted=False))
    if decision_form is None:
        decision_form = DecisionForm(formdata=None)
        decision_form.summary.data = evaluation.adviser_summary
    return render_template("self_evaluation/validate.html", school=school, evaluation=evaluation, areas=rules.areas_for(evaluation),
                           forms=forms, decision_form=decision_form, inspection=latest_inspection(school),
                           awaiting=rules.awaiting_adviser_view(evaluation), awaiting_shown=awaiting_shown)


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
        # The area, and (out of band) what is still to do, recomputed from what is now saved.
        return replace_area(judgement.area, render_template(
            "self_evaluation/_adviser_area_answer.html", school=school, evaluation=evaluation, area=judgement.area,
            judgement=judgement, form=form, saved=not form.errors, areas=rules.areas_for(evaluation),
            awaiting=rules.awaiting_adviser_view(evaluation), awaiting_shown=bool(request.form.get("awaiting_shown"))))
    return _render_validate(school, evaluation, forms={judgement.id: form})


@bp.route("/<int:evaluation_id>/validate/agree-with-every-grade", methods=["POST"])
@school_access(may_validate_school)
def agree_with_every_grade(school, evaluation_id):
    """The common case in one step: agree with the school's grade in every area without a view yet."""
    evaluation = evaluation_or_404(school, evaluation_id)
    try:
        agreed = rules.agree_with_remaining_grades(evaluation)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "info")
        return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
    db.session.commit()
    if agreed:
        flash(f"You agree with the school's grade for {rules.in_words(j.area.title for j in agreed)}.", "success")
    else:
        flash("You had already recorded your view of every area.", "info")
    return redirect(url_for("self_evaluation.validate", school_id=school.id, evaluation_id=evaluation.id, _anchor="decision"))


@bp.route("/<int:evaluation_id>/decision", methods=["POST"])
@school_access(may_validate_school)
def decide(school, evaluation_id):
    evaluation = evaluation_or_404(school, evaluation_id)
    form = DecisionForm()
    awaiting_shown = False
    if form.validate_on_submit():
        try:
            if form.return_evaluation.data:
                rules.return_to_school(evaluation, current_user, form.comments.data or "")
                message = f"{evaluation.title} self-evaluation returned to {school.name}"
            else:
                agrees = {"yes": True, "no": False}.get(form.safeguarding_agrees.data)
                rules.validate(evaluation, current_user, form.summary.data or "", agrees)
                message = f"{evaluation.title} self-evaluation validated"
        except rules.AreasAwaitingView:
            db.session.rollback()
            awaiting_shown = True  # listed area by area in the error summary, from what is saved
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "summary")
        else:
            notices.self_evaluation_decided(evaluation)
            db.session.commit()
            flash(message, "panel")
            return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
    return _render_validate(school, evaluation, decision_form=form, awaiting_shown=awaiting_shown)
