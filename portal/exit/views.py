"""Exit pages: the LA admin's list of exit criteria; a school's exit checklists (everyone at the school reads them),
the adviser's answers and recommendation, and the LA admin's decision."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import clock
from portal.access import la_admin_required, may_approve_exit, may_run_reviews, may_view_school, school_access
from portal.categories.rules import current_entry
from portal.errors_domain import RuleBroken, attach_to_form, rule_for
from portal.exit import bp, criteria_bp, notify, rules
from portal.exit.forms import AnswerForm, CriterionForm, DecisionForm, EmptyForm, RecommendForm
from portal.exit.models import ChecklistStatus
from portal.extensions import db


# --- the LA's exit criteria -----------------------------------------------------------------------------------------

def criterion_or_404(criterion_id):
    criterion = rules.load_criterion(criterion_id)
    if criterion is None:
        abort(404)
    return criterion


@criteria_bp.route("", endpoint="index")
@la_admin_required
def criteria_index():
    return render_template("exit/criteria.html", criteria=rules.all_criteria(), form=EmptyForm(),
                           ready_made=rules.ready_made())


@criteria_bp.route("/ready-made", methods=["POST"])
@la_admin_required
def ready_made():
    if EmptyForm().validate_on_submit():
        try:
            added = rules.add_ready_made()
        except RuleBroken as problem:
            db.session.rollback()
            flash(problem.message, "error")
        else:
            db.session.commit()
            flash(f"{len(added)} ready-made criteria added. Change their wording to the LA's own as you need.", "success")
    return redirect(url_for("exit_criteria.index"))


@criteria_bp.route("/new", methods=["GET", "POST"])
@la_admin_required
def new():
    return _criterion_form(None)


@criteria_bp.route("/<int:exit_criterion_id>", methods=["GET", "POST"])
@la_admin_required
def edit(exit_criterion_id):
    return _criterion_form(criterion_or_404(exit_criterion_id))


def _criterion_form(criterion):
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        with rule_for(form, "title") as outcome:
            saved = rules.save_criterion(criterion, title=form.title.data, meaning=form.meaning.data or "")
        if outcome.ok:
            flash(f"“{saved.title}” saved.", "success")
            return redirect(url_for("exit_criteria.index", _anchor=f"criterion-{saved.id}"))
    return render_template("exit/criterion_form.html", form=form, criterion=criterion)


@criteria_bp.route("/<int:exit_criterion_id>/retire", methods=["POST"])
@la_admin_required
def retire(exit_criterion_id):
    """Retire a criterion in use, or bring a retired one back."""
    criterion = criterion_or_404(exit_criterion_id)
    if EmptyForm().validate_on_submit():
        try:
            if criterion.is_retired:
                rules.restore_criterion(criterion)
                message = f"“{criterion.title}” is in use again."
            else:
                rules.retire_criterion(criterion)
                message = f"“{criterion.title}” retired: no new checklist asks it; checklists that answered it keep it."
        except RuleBroken as problem:
            db.session.rollback()
            flash(problem.message, "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("exit_criteria.index", _anchor=f"criterion-{criterion.id}"))


# --- a school's checklists ------------------------------------------------------------------------------------------

def checklist_or_404(school, checklist_id):
    checklist = rules.load_checklist(school, checklist_id)
    if checklist is None:
        abort(404)
    return checklist


def _to_checklist(school, checklist, anchor=None):
    return redirect(url_for("exit.show", school_id=school.id, checklist_id=checklist.id, _anchor=anchor))


@bp.route("")
@school_access(may_view_school)
def index(school):
    checklists = rules.school_checklists(school)
    return render_template("exit/index.html", school=school, checklists=checklists, form=EmptyForm(),
                           has_open=any(c.status in rules.STILL_OPEN for c in checklists),
                           has_criteria=bool(rules.active_criteria()), today=clock.today(),
                           in_light_touch=rules.in_light_touch)


@bp.route("/start", methods=["POST"])
@school_access(may_run_reviews)
def start(school):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("exit.index", school_id=school.id))
    try:
        checklist = rules.start_checklist(school, current_user)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return redirect(url_for("exit.index", school_id=school.id))
    db.session.commit()
    flash("Exit checklist started: answer each criterion, then recommend exit when every one is met.", "success")
    return _to_checklist(school, checklist)


@bp.route("/<int:checklist_id>")
@school_access(may_view_school)
def show(school, checklist_id):
    checklist = checklist_or_404(school, checklist_id)
    if checklist.status == ChecklistStatus.OPEN and may_run_reviews(current_user, school):
        rules.sync_criteria(checklist)
        db.session.commit()
    evidence = {answer.id: rules.resolve_evidence(school, answer.evidence) for answer in checklist.answers}
    return render_template("exit/show.html", school=school, checklist=checklist, evidence=evidence,
                           current=current_entry(school), today=clock.today(),
                           may_fill=may_run_reviews(current_user, school) and checklist.status == ChecklistStatus.OPEN,
                           may_decide=may_approve_exit(current_user, school)
                           and checklist.status == ChecklistStatus.RECOMMENDED)


def _refused_unless_open(school, checklist):
    if checklist.status != ChecklistStatus.OPEN:
        flash("Exit has been recommended: the checklist changes again only if the LA declines."
              if checklist.status == ChecklistStatus.RECOMMENDED else "This checklist is closed.", "error")
        return _to_checklist(school, checklist)
    return None


@bp.route("/<int:checklist_id>/criteria/<int:answer_id>", methods=["GET", "POST"])
@school_access(may_run_reviews)
def answer(school, checklist_id, answer_id):
    checklist = checklist_or_404(school, checklist_id)
    elsewhere = _refused_unless_open(school, checklist)
    if elsewhere:
        return elsewhere
    row = next((a for a in checklist.answers if a.id == answer_id), None)
    if row is None:
        abort(404)
    choices = rules.evidence_choices(school)
    held = rules.resolve_evidence(school, row.evidence)
    for link in held:  # what it already links stays offered, even when no longer among the latest records
        if all(link.value != offered.value for offered in choices[link.kind]):
            choices[link.kind].append(link)
    offered = [link for links in choices.values() for link in links]
    form = AnswerForm(data={"answer": row.answer, "note": row.note, "evidence": [link.value for link in held]})
    form.evidence.choices = [(link.value, link.value) for link in offered]
    if form.validate_on_submit():
        with rule_for(form, "answer") as outcome:
            rules.answer_criterion(checklist, row, current_user, value=form.answer.data, note=form.note.data or "",
                                   evidence=form.evidence.data or [], offered=offered)
        if outcome.ok:
            flash(f"“{row.title}”: {row.answer.label.lower()}.", "success")
            return _to_checklist(school, checklist, f"answer-{row.id}")
    return render_template("exit/answer_form.html", school=school, checklist=checklist, row=row, form=form,
                           choices=choices, kinds=rules.EVIDENCE_KINDS, chosen=set(form.evidence.data or []))


@bp.route("/<int:checklist_id>/recommend", methods=["GET", "POST"])
@school_access(may_run_reviews)
def recommend(school, checklist_id):
    checklist = checklist_or_404(school, checklist_id)
    elsewhere = _refused_unless_open(school, checklist)
    if elsewhere:
        return elsewhere
    rules.sync_criteria(checklist)
    categories = rules.exit_categories(school)
    previous = checklist.recommended_category_id
    form = RecommendForm(data={"category_id": str(previous) if previous else None, "reason": checklist.recommendation})
    form.category_id.choices = [(str(c.id), c.label) for c in categories]
    if form.validate_on_submit():
        try:
            rules.recommend(checklist, current_user, category_id=int(form.category_id.data), reason=form.reason.data or "")
        except (RuleBroken, ValueError) as problem:
            db.session.rollback()
            attach_to_form(form, problem if isinstance(problem, RuleBroken) else RuleBroken("Choose a category"), "category_id")
        else:
            db.session.commit()
            flash("Exit recommended. The LA admin approves or declines it.", "success")
            return _to_checklist(school, checklist)
    return render_template("exit/recommend.html", school=school, checklist=checklist, form=form, categories=categories,
                           current=current_entry(school))


@bp.route("/<int:checklist_id>/decision", methods=["GET", "POST"])
@school_access(may_approve_exit)
def decide(school, checklist_id):
    checklist = checklist_or_404(school, checklist_id)
    if checklist.status != ChecklistStatus.RECOMMENDED:
        flash("There is no recommendation to decide on this checklist.", "error")
        return _to_checklist(school, checklist)
    form = DecisionForm()
    if form.validate_on_submit():
        with rule_for(form, "outcome") as outcome:
            if form.outcome.data == "approve":
                decision, entry = rules.approve(checklist, current_user, reason=form.reason.data or "",
                                                terms=form.terms.data or rules.DEFAULT_LIGHT_TOUCH_TERMS)
                notify.exit_approved(checklist, decision, entry)
            else:
                decision = rules.decline(checklist, current_user, reason=form.reason.data or "")
                notify.exit_declined(checklist, decision)
        if outcome.ok:
            if checklist.status == ChecklistStatus.APPROVED:
                flash(f"Exit approved: {school.name} is now in {entry.category.label}, with light-touch monitoring until "
                      f"{checklist.light_touch_ends_on.day} {checklist.light_touch_ends_on:%B %Y}.", "success")
            else:
                flash("Exit declined: the checklist is open again, and the adviser has been told why.", "success")
            return _to_checklist(school, checklist)
    return render_template("exit/decide.html", school=school, checklist=checklist, form=form, current=current_entry(school))
