"""The plan pages: leaders draft a plan (priorities, actions, success criteria), the school's adviser agrees it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import may_agree_plan, may_lead_school, school_access
from portal.comments import rules as comment_rules
from portal.visits.rules import visits_of_plan
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.meetings.rules import plan_review_timeline
from portal.plans import bp, rules
from portal.plans.forms import (ActionForm, PlanDetailsForm, PriorityForm, criterion_form, from_self_evaluation_form,
                                start_plan_form)
from portal.plans.models import PlanStatus
from portal.terms.rules import academic_year_on, academic_years
from portal.clock import as_london
from portal.page_cache import kept_page


# --- loading what the URL names, or 404 ---------------------------------------------

def plan_or_404(school, plan_id):
    plan = rules.load_plan(school, plan_id)
    if plan is None:
        abort(404)
    return plan


def priority_or_404(plan, priority_id):
    priority = next((p for p in plan.priorities if p.id == priority_id), None)
    if priority is None:
        abort(404)
    return priority


def action_or_404(priority, action_id):
    action = next((a for a in priority.actions if a.id == action_id), None)
    if action is None:
        abort(404)
    return action


def criterion_or_404(priority, criterion_id):
    criterion = next((c for c in priority.success_criteria if c.id == criterion_id), None)
    if criterion is None:
        abort(404)
    return criterion


def _to_plan(plan, anchor=None):
    return redirect(url_for("plans.show", school_id=plan.school_id, plan_id=plan.id, _anchor=anchor))


# --- the school's plans ----------------------------------------------------------------

@bp.route("")
@school_access()
def index(school):
    years = academic_years()
    return _index_with(school, start_plan_form(years, academic_year_on(), submitted=False), years)


@bp.route("/new", methods=["POST"])
@school_access(may_lead_school)
def create(school):
    years = academic_years()
    form = start_plan_form(years, None)
    if form.validate_on_submit():
        year = next((y for y in years if y.id == form.academic_year_id.data), None)
        try:
            plan = rules.create_plan(school, current_user, kind=form.kind.data, title=form.title.data or "", academic_year=year)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "title")
        else:
            db.session.commit()
            flash(f"{plan.title} started. Add its priorities, then each priority's actions and success criteria.", "success")
            return _to_plan(plan)
    return _index_with(school, form, years)


def _index_with(school, form, years):
    return render_template("plans/index.html", school=school, plans=rules.school_plans(school), form=form, years=years)


# --- one plan --------------------------------------------------------------------------

@bp.route("/<int:plan_id>")
@school_access()
@kept_page
def show(school, plan_id):
    plan = plan_or_404(school, plan_id)
    agreement = plan.latest_agreement
    changes = rules.changes_since_agreed(plan) if plan.status == PlanStatus.AMENDED else []
    weak_areas = rules.weakest_areas(school) if may_lead_school(current_user, school) else []
    plan_comments = comment_rules.comments_for_plan(plan)
    return render_template(
        "plans/show.html", school=school, plan=plan, agreement=agreement, changes=changes, weak_areas=weak_areas,
        agreed_on=as_london(agreement.agreed_at).date() if agreement else None,
        half_terms=plan.academic_year.half_terms, review_timeline=plan_review_timeline(plan),
        plan_comments=plan_comments, open_comments=comment_rules.open_by_target(plan_comments),
        plan_visits=visits_of_plan(plan, current_user),
    )


@bp.route("/<int:plan_id>/agree", methods=["POST"])
@school_access(may_agree_plan)
def agree(school, plan_id):
    plan = plan_or_404(school, plan_id)
    try:
        rules.agree(plan, current_user._get_current_object())
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return _to_plan(plan)
    db.session.commit()
    flash(f"You agreed {plan.title}.", "success")
    return _to_plan(plan)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@school_access(may_lead_school)
def edit(school, plan_id):
    plan = plan_or_404(school, plan_id)
    form = PlanDetailsForm(obj=plan)
    if form.validate_on_submit():
        try:
            rules.update_plan(plan, kind=form.kind.data, title=form.title.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "title")
        else:
            db.session.commit()
            flash("Plan details saved.", "success")
            return _to_plan(plan)
    return render_template("plans/plan_form.html", school=school, plan=plan, form=form)


# --- priorities ------------------------------------------------------------------------

@bp.route("/<int:plan_id>/priorities/new", methods=["GET", "POST"])
@school_access(may_lead_school)
def priority_new(school, plan_id):
    return _priority_page(school, plan_or_404(school, plan_id), None)


@bp.route("/<int:plan_id>/priorities/<int:priority_id>", methods=["GET", "POST"])
@school_access(may_lead_school)
def priority_edit(school, plan_id, priority_id):
    plan = plan_or_404(school, plan_id)
    return _priority_page(school, plan, priority_or_404(plan, priority_id))


def _priority_page(school, plan, priority):
    form = PriorityForm(obj=priority)
    if form.validate_on_submit():
        try:
            saved = rules.save_priority(plan, priority, title=form.title.data or "", description=form.description.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "title")
        else:
            db.session.commit()
            flash(f"Priority {'saved' if priority else 'added'}: {saved.title}", "success")
            return _to_plan(plan, f"priority-{saved.id}")
    return render_template("plans/priority_form.html", school=school, plan=plan, priority=priority, form=form)


@bp.route("/<int:plan_id>/from-self-evaluation", methods=["GET", "POST"])
@school_access(may_lead_school)
def from_self_evaluation(school, plan_id):
    """Start priorities from the areas the latest validated self-evaluation graded weakest."""
    plan = plan_or_404(school, plan_id)
    evaluation = rules.latest_validated_self_evaluation(school)
    judgements = rules.weakest_areas(school)
    form = from_self_evaluation_form(judgements, request.form if request.method == "POST" else None)
    if judgements and form.validate_on_submit():
        chosen = set(form.judgement_ids.data)
        added = rules.priorities_from_self_evaluation(plan, [j for j in judgements if j.id in chosen])
        db.session.commit()
        if added:
            titles = ", ".join(p.title for p in added)
            flash(f"{len(added)} {'priority' if len(added) == 1 else 'priorities'} added: {titles}. "
                  "Change them as you need, then add their actions and success criteria.", "success")
        else:
            flash("Those areas are already priorities in this plan.", "success")
        return _to_plan(plan, f"priority-{added[0].id}" if added else None)
    existing = {p.title.strip().casefold() for p in plan.priorities}
    return render_template("plans/from_self_evaluation.html", school=school, plan=plan, evaluation=evaluation,
                           judgements=judgements, form=form, existing=existing, grade_of=rules.judgement_grade)


# --- actions ---------------------------------------------------------------------------

@bp.route("/<int:plan_id>/priorities/<int:priority_id>/actions/new", methods=["GET", "POST"])
@school_access(may_lead_school)
def action_new(school, plan_id, priority_id):
    plan = plan_or_404(school, plan_id)
    return _action_page(school, plan, priority_or_404(plan, priority_id), None)


@bp.route("/<int:plan_id>/priorities/<int:priority_id>/actions/<int:action_id>", methods=["GET", "POST"])
@school_access(may_lead_school)
def action_edit(school, plan_id, priority_id, action_id):
    plan = plan_or_404(school, plan_id)
    priority = priority_or_404(plan, priority_id)
    return _action_page(school, plan, priority, action_or_404(priority, action_id))


def _action_page(school, plan, priority, action):
    form = ActionForm(obj=action)
    if form.validate_on_submit():
        try:
            rules.save_action(priority, action, description=form.description.data or "", owner=form.owner.data or "",
                              starts_on=form.starts_on.data, due_on=form.due_on.data, cost=form.cost.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "description")
        else:
            db.session.commit()
            flash(f"Action {'saved' if action else 'added'} for {priority.title}.", "success")
            return _to_plan(plan, f"priority-{priority.id}")
    return render_template("plans/action_form.html", school=school, plan=plan, priority=priority, action=action, form=form)


# --- success criteria ------------------------------------------------------------------

@bp.route("/<int:plan_id>/priorities/<int:priority_id>/criteria/new", methods=["GET", "POST"])
@school_access(may_lead_school)
def criterion_new(school, plan_id, priority_id):
    plan = plan_or_404(school, plan_id)
    return _criterion_page(school, plan, priority_or_404(plan, priority_id), None)


@bp.route("/<int:plan_id>/priorities/<int:priority_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@school_access(may_lead_school)
def criterion_edit(school, plan_id, priority_id, criterion_id):
    plan = plan_or_404(school, plan_id)
    priority = priority_or_404(plan, priority_id)
    return _criterion_page(school, plan, priority, criterion_or_404(priority, criterion_id))


def _criterion_page(school, plan, priority, criterion):
    half_terms = list(plan.academic_year.half_terms)
    form, milestone_fields = criterion_form(half_terms, criterion)
    if form.validate_on_submit():
        milestones = {half_term: field.data or "" for half_term, field in milestone_fields}
        try:
            rules.save_criterion(priority, criterion, description=form.description.data or "", milestones=milestones)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "description")
        else:
            db.session.commit()
            flash(f"Success criterion {'saved' if criterion else 'added'} for {priority.title}.", "success")
            return _to_plan(plan, f"priority-{priority.id}")
    return render_template("plans/criterion_form.html", school=school, plan=plan, priority=priority, criterion=criterion,
                           form=form, milestone_fields=milestone_fields)
