"""Exit pages: the LA admin's list of exit criteria; a school's exit checklists (everyone at the school reads them),
the adviser's answers and recommendation, and the LA admin's decision."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import clock
from portal.access import la_admin_required, may_approve_exit, may_run_reviews, may_view_school, school_access
from portal.categories.rules import current_entry
from portal.errors_domain import RuleBroken, attach_to_form, rule_for
from portal.exit import bp, criteria_bp, light_touch, notify, rules
from portal.exit import letter as exit_letter
from portal.exit.forms import AnswerForm, CriterionForm, DecisionForm, EmptyForm, RecommendForm
from portal.exit.models import ChecklistStatus
from portal.extensions import db
from portal.pdf import pdf_response


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
    criteria = rules.criteria_by_id() if any(c.status == ChecklistStatus.OPEN for c in checklists) else {}
    return render_template("exit/index.html", school=school, checklists=checklists, form=EmptyForm(),
                           rows={c.id: rules.checklist_rows(c, criteria) for c in checklists},
                           has_open=any(c.status in rules.STILL_OPEN for c in checklists),
                           has_criteria=bool(rules.active_criteria()), today=clock.today(),
                           in_light_touch=light_touch.in_light_touch)


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
    """Never writes: criteria the LA added since show as rows to answer; answering one adds it to the checklist."""
    checklist = checklist_or_404(school, checklist_id)
    rows = rules.checklist_rows(checklist)
    evidence = {row.held.id: rules.resolve_evidence(school, row.held.evidence) for row in rows if row.held is not None}
    today = clock.today()
    return render_template("exit/show.html", school=school, checklist=checklist, rows=rows, evidence=evidence,
                           current=current_entry(school), today=today,
                           light_touch=light_touch.light_touch_visits(checklist, today),
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
    held = next((a for a in checklist.answers if a.id == answer_id), None)
    if held is None:
        abort(404)
    shown = next((row for row in rules.checklist_rows(checklist) if row.held is held), None)
    if shown is None:
        flash("The LA has retired this criterion since: it is no longer on the checklist.", "error")
        return _to_checklist(school, checklist)
    return _answer_page(school, checklist, shown, lambda: held,
                        url_for("exit.answer", school_id=school.id, checklist_id=checklist.id, answer_id=held.id))


@bp.route("/<int:checklist_id>/new-criteria/<int:exit_criterion_id>", methods=["GET", "POST"])
@school_access(may_run_reviews)
def answer_new_criterion(school, checklist_id, exit_criterion_id):
    """A criterion the LA added since the checklist started: the page shows it without writing; saving the answer
    adds it to the checklist (with any other new ones) and answers it in one step."""
    checklist = checklist_or_404(school, checklist_id)
    elsewhere = _refused_unless_open(school, checklist)
    if elsewhere:
        return elsewhere
    held = next((a for a in checklist.answers if a.criterion_id == exit_criterion_id), None)
    if held is not None:  # answered meanwhile (or by a colleague): its own page
        return redirect(url_for("exit.answer", school_id=school.id, checklist_id=checklist.id, answer_id=held.id))
    shown = rules.new_criterion_for(checklist, exit_criterion_id)
    if shown is None:
        abort(404)
    return _answer_page(school, checklist, shown, lambda: rules.answer_for_criterion(checklist, exit_criterion_id),
                        url_for("exit.answer_new_criterion", school_id=school.id, checklist_id=checklist.id,
                                exit_criterion_id=exit_criterion_id))


def _answer_page(school, checklist, shown, row_to_answer, action):
    """The answer form for one criterion (``shown``, a ChecklistRow); ``row_to_answer()`` gives the answer row to save
    into, and is called only on a valid POST (for a new criterion it adds the row)."""
    choices = rules.evidence_choices(school)
    linked = rules.resolve_evidence(school, shown.held.evidence) if shown.held is not None else []
    for link in linked:  # what it already links stays offered, even when no longer among the latest records
        if all(link.value != offered.value for offered in choices[link.kind]):
            choices[link.kind].append(link)
    offered = [link for links in choices.values() for link in links]
    form = AnswerForm(data={"answer": shown.answer, "note": shown.note, "evidence": [link.value for link in linked]})
    form.evidence.choices = [(link.value, link.value) for link in offered]
    if form.validate_on_submit():
        with rule_for(form, "answer") as outcome:
            row = row_to_answer()
            rules.answer_criterion(checklist, row, current_user, value=form.answer.data, note=form.note.data or "",
                                   evidence=form.evidence.data or [], offered=offered)
        if outcome.ok:
            flash(f"“{row.title}”: {row.answer.label.lower()}.", "success")
            return _to_checklist(school, checklist, f"answer-{row.id}")
    return render_template("exit/answer_form.html", school=school, checklist=checklist, row=shown, form=form,
                           action=action, choices=choices, kinds=rules.EVIDENCE_KINDS, chosen=set(form.evidence.data or []))


@bp.route("/<int:checklist_id>/recommend", methods=["GET", "POST"])
@school_access(may_run_reviews)
def recommend(school, checklist_id):
    checklist = checklist_or_404(school, checklist_id)
    elsewhere = _refused_unless_open(school, checklist)
    if elsewhere:
        return elsewhere
    categories = rules.exit_categories(school)  # no sync here: a GET never writes (rules.recommend syncs on POST)
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
    unanswered = [row for row in rules.checklist_rows(checklist) if row.answer is None]
    return render_template("exit/recommend.html", school=school, checklist=checklist, form=form, categories=categories,
                           current=current_entry(school), unanswered=unanswered)


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


# --- the exit letter ------------------------------------------------------------------------------------------------

def _letter(school, checklist_id):
    """What the letter page and its PDF show: the letter as it was sent, 404 before exit is approved."""
    checklist = checklist_or_404(school, checklist_id)
    found = exit_letter.exit_letter(checklist)
    if found is None:
        abort(404)
    letter, sent = found
    return dict(school=school, checklist=checklist, letter=letter, sent=sent)


@bp.route("/<int:checklist_id>/letter")
@school_access(may_view_school)
def letter(school, checklist_id):
    return render_template("exit/letter.html", **_letter(school, checklist_id))


@bp.route("/<int:checklist_id>/letter/pdf")
@school_access(may_view_school)
def letter_pdf(school, checklist_id):
    context = _letter(school, checklist_id)
    return pdf_response(render_template("exit/letter.html", **context),
                        f"{school.name} exit letter {context['checklist'].closed_on.isoformat()}.pdf")
