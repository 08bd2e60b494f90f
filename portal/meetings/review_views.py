"""Recording progress at or after a review: a RAG rating per success criterion, and next steps."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import may_run_reviews, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.meetings import bp, rules
from portal.meetings.forms import CriterionReviewForm, NextStepForm
from portal.meetings.models import Rag
from portal.meetings.views import meeting_or_404
from portal import clock


def _criterion_form(meeting, criterion, submitted=False):
    form = CriterionReviewForm(prefix=f"criterion-{criterion.id}", **({} if submitted else {"formdata": None}))
    review = meeting.review_for(criterion)
    if review is not None and not submitted:
        form.rag.data, form.note.data = review.rag.value, review.note
    return form


def _render(school, meeting, forms=None, step_form=None):
    criteria = meeting.plan.success_criteria if meeting.plan else []
    forms = forms or {}
    for criterion in criteria:
        forms.setdefault(criterion.id, _criterion_form(meeting, criterion))
    return render_template("meetings/review.html", school=school, meeting=meeting, criteria=criteria, forms=forms,
                           step_form=step_form or NextStepForm(formdata=None), today=clock.today())


@bp.route("/<int:meeting_id>/review")
@school_access(may_run_reviews)
def review(school, meeting_id):
    return _render(school, meeting_or_404(school, meeting_id))


@bp.route("/<int:meeting_id>/review/criteria/<int:criterion_id>", methods=["POST"])
@school_access(may_run_reviews)
def review_criterion(school, meeting_id, criterion_id):
    meeting = meeting_or_404(school, meeting_id)
    criterion = next((c for c in (meeting.plan.success_criteria if meeting.plan else []) if c.id == criterion_id), None)
    if criterion is None:
        abort(404)
    form = _criterion_form(meeting, criterion, submitted=True)
    if form.validate_on_submit():
        try:
            rules.record_review(meeting, criterion, current_user, rag=Rag(form.rag.data), note=form.note.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "rag")
        else:
            db.session.commit()
            flash("Progress saved.", "success")
            return redirect(url_for("meetings.review", school_id=school.id, meeting_id=meeting.id, _anchor=f"criterion-{criterion.id}"))
    return _render(school, meeting, forms={criterion.id: form})


@bp.route("/<int:meeting_id>/review/next-steps", methods=["POST"])
@school_access(may_run_reviews)
def add_next_step(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    form = NextStepForm()
    if form.validate_on_submit():
        try:
            rules.add_next_step(meeting, description=form.description.data, owner=form.owner.data or "", due_on=form.due_on.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "description")
        else:
            db.session.commit()
            flash("Next step added.", "success")
            return redirect(url_for("meetings.review", school_id=school.id, meeting_id=meeting.id, _anchor="next-steps"))
    return _render(school, meeting, step_form=form)
