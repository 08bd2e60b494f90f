"""The school's side: start, write (saved as a draft), submit, read.

Without JavaScript the edit page is one form: any Save button, or Submit, saves every area the person changed,
each on its own revision. With htmx each area also saves itself when one of its fields changes."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import may_lead_school, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db, htmx
from portal.frameworks.rules import current_version
from portal.pdf import pdf_response
from portal.inspections.rules import latest_inspection
from portal.self_evaluation import bp, rules
from portal.self_evaluation.page_save import conflict_message, save_page
from portal.self_evaluation.forms import (
    StartForm,
    SubmitForm,
    judgement_form,
    reopen_at_saved_version,
    safeguarding_form,
)
from portal.terms.rules import academic_year_on, suggested_title


def evaluation_or_404(school, evaluation_id):
    evaluation = rules.load_self_evaluation(school, evaluation_id)
    if evaluation is None:
        abort(404)
    return evaluation


def replace_area(area, html):
    """An htmx answer that swaps the whole area section (errors, or a conflict to resolve)."""
    response = make_response(html)
    response.headers["HX-Retarget"] = f"#area-{area.key}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def judgement_or_404(evaluation, judgement_id):
    judgement = next((j for j in evaluation.judgements if j.id == judgement_id), None)
    if judgement is None:
        abort(404)
    return judgement


@bp.route("")
@school_access()
def index(school):
    return _index_with(school, StartForm(formdata=None, title=suggested_title()))


@bp.route("/new", methods=["POST"])
@school_access(may_lead_school)
def start(school):
    form = StartForm()
    if form.validate_on_submit():
        try:
            evaluation = rules.start(school, current_version(), current_user, form.title.data, academic_year_on())
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "title")
        else:
            db.session.commit()
            flash(f"{evaluation.title} self-evaluation started. It saves as a draft until you submit it.", "success")
            return redirect(url_for("self_evaluation.edit", school_id=school.id, evaluation_id=evaluation.id))
    return _index_with(school, form)


def _index_with(school, start_form):
    evaluations = rules.school_self_evaluations(school)
    ordered, rows = rules.history(evaluations)
    unfinished = next((e for e in evaluations if e.status in rules.OPEN_STATUSES), None)
    return render_template(
        "self_evaluation/index.html", school=school, evaluations=evaluations, history_columns=ordered, history_rows=rows,
        unfinished=unfinished, start_form=start_form, version=current_version(), inspection=latest_inspection(school),
    )


@bp.route("/<int:evaluation_id>")
@school_access()
def show(school, evaluation_id):
    evaluation = evaluation_or_404(school, evaluation_id)
    return render_template("self_evaluation/show.html", school=school, evaluation=evaluation,
                           areas=rules.areas_for(evaluation), inspection=latest_inspection(school))


def _printable(school, evaluation_id):
    """What the print view and the PDF show."""
    evaluation = evaluation_or_404(school, evaluation_id)
    return dict(school=school, evaluation=evaluation, areas=rules.areas_for(evaluation), inspection=latest_inspection(school))


@bp.route("/<int:evaluation_id>/print")
@school_access()
def print_view(school, evaluation_id):
    return render_template("self_evaluation/print.html", **_printable(school, evaluation_id))


@bp.route("/<int:evaluation_id>/pdf")
@school_access()
def print_pdf(school, evaluation_id):
    context = _printable(school, evaluation_id)
    return pdf_response(render_template("self_evaluation/print.html", **context),
                        f"{school.name} {context['evaluation'].title} self-evaluation.pdf")


def _render_edit(school, evaluation, *, forms=None, conflicts=None, safeguarding=None, problems=None):
    """The edit page; ``forms`` and ``safeguarding`` carry what the person typed where something needs attention."""
    forms = dict(forms or {})
    for judgement in evaluation.judgements:
        forms.setdefault(judgement.id, judgement_form(judgement, evaluation.version.scale))
    return render_template(
        "self_evaluation/edit.html", school=school, evaluation=evaluation, areas=rules.areas_for(evaluation),
        forms=forms, conflicts=conflicts or {}, safeguarding_form=safeguarding if safeguarding is not None else safeguarding_form(evaluation),
        submit_form=SubmitForm(formdata=None), problems=problems or [],
    )


@bp.route("/<int:evaluation_id>/edit")
@school_access(may_lead_school)
def edit(school, evaluation_id):
    evaluation = evaluation_or_404(school, evaluation_id)
    if not evaluation.is_open_to_school:
        flash(f"This self-evaluation is {evaluation.status.label.lower()}, so it can no longer be changed.", "info")
        return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
    return _render_edit(school, evaluation)


def _pressed_save_button_anchor(evaluation):
    """Where the person pressed Save, so the page comes back there."""
    if "save" in request.form:
        return "safeguarding"
    return next((f"area-{j.area.key}" for j in evaluation.judgements if f"judgement-{j.id}-save" in request.form), None)


@bp.route("/<int:evaluation_id>/edit", methods=["POST"])
@school_access(may_lead_school)
def save_changes(school, evaluation_id):
    """Any Save button on the page: every area the person changed is saved."""
    evaluation = evaluation_or_404(school, evaluation_id)
    result = save_page(evaluation, current_user)
    db.session.commit()  # keep what could be saved, even when another part needs attention
    if result.needs_attention:
        return _render_edit(school, evaluation, forms=result.forms, conflicts=result.conflicts,
                            safeguarding=result.safeguarding, problems=result.problems)
    flash(f"{rules.in_words(result.saved)} saved." if result.saved else "Everything on this page is saved.", "success")
    return redirect(url_for("self_evaluation.edit", school_id=school.id, evaluation_id=evaluation.id,
                            _anchor=_pressed_save_button_anchor(evaluation)))


@bp.route("/<int:evaluation_id>/areas/<int:judgement_id>", methods=["POST"])
@school_access(may_lead_school)
def save_area(school, evaluation_id, judgement_id):
    """One area on its own: htmx sends it when a field changes."""
    evaluation = evaluation_or_404(school, evaluation_id)
    judgement = judgement_or_404(evaluation, judgement_id)
    form = judgement_form(judgement, evaluation.version.scale, submitted=True)
    conflict = None
    if form.validate_on_submit():
        try:
            rules.save_judgement(judgement, current_user, grade_id=form.grade_id.data, strengths=form.strengths.data or "",
                                 areas_for_development=form.areas_for_development.data or "",
                                 evidence=form.evidence.data or "", revision=form.revision.data)
        except rules.AreaChangedElsewhere:
            db.session.rollback()
            conflict = judgement
            form.revision.errors = [conflict_message(judgement)]
            reopen_at_saved_version(form, judgement)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "grade_id")
        else:
            db.session.commit()
            if htmx:
                return render_template("self_evaluation/_area_saved.html", judgement=judgement,
                                       form=judgement_form(judgement, evaluation.version.scale), after_save=True)
            flash(f"{judgement.area.title} saved.", "success")
            return redirect(url_for("self_evaluation.edit", school_id=school.id, evaluation_id=evaluation.id,
                                    _anchor=f"area-{judgement.area.key}"))
    if htmx:
        return replace_area(judgement.area, render_template(
            "self_evaluation/_area.html", school=school, evaluation=evaluation, area=judgement.area, judgement=judgement,
            form=form, conflict=conflict))
    return _render_edit(school, evaluation, forms={judgement.id: form}, conflicts={judgement.id: conflict} if conflict else None)


@bp.route("/<int:evaluation_id>/safeguarding", methods=["POST"])
@school_access(may_lead_school)
def save_safeguarding(school, evaluation_id):
    """Safeguarding on its own: htmx sends it when it changes."""
    evaluation = evaluation_or_404(school, evaluation_id)
    form = safeguarding_form(evaluation, submitted=True)
    if form.validate_on_submit():
        try:
            rules.save_safeguarding(evaluation, met=form.met_answer, note=form.note.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "met")
        else:
            db.session.commit()
            if htmx:
                return render_template("self_evaluation/_safeguarding_saved.html",
                                       safeguarding_form=safeguarding_form(evaluation), after_save=True)
            flash("Safeguarding saved.", "success")
            return redirect(url_for("self_evaluation.edit", school_id=school.id, evaluation_id=evaluation.id, _anchor="safeguarding"))
    if htmx:
        response = make_response(render_template("self_evaluation/_safeguarding.html", school=school, evaluation=evaluation,
                                                 safeguarding_form=form))
        response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#safeguarding", "outerHTML"
        return response
    return _render_edit(school, evaluation, safeguarding=form)


@bp.route("/<int:evaluation_id>/submit", methods=["POST"])
@school_access(may_lead_school)
def submit(school, evaluation_id):
    """Submit to the adviser, saving whatever the person changed on the page first."""
    evaluation = evaluation_or_404(school, evaluation_id)
    result = save_page(evaluation, current_user)
    db.session.commit()
    if result.needs_attention:
        return _render_edit(school, evaluation, forms=result.forms, conflicts=result.conflicts,
                            safeguarding=result.safeguarding, problems=result.problems)
    problems = rules.missing_for_submission(evaluation)
    if problems:
        return _render_edit(school, evaluation, problems=problems)
    try:
        rules.submit(evaluation, current_user)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "info")
        return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
    db.session.commit()
    flash(f"{evaluation.title} self-evaluation submitted to your adviser", "panel")
    return redirect(url_for("self_evaluation.show", school_id=school.id, evaluation_id=evaluation.id))
