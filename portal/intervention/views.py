"""Intervention pages: the school's record of formal steps (everyone at the school reads it), and the LA admin's
pages to record and change a step, record the response and outcome, and add or remove its documents."""

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from portal import clock
from portal.access import may_record_intervention, may_view_school, school_access
from portal.errors_domain import RuleBroken, attach_to_form, rule_for
from portal.evidence import rules as evidence_rules
from portal.evidence.forms import FILES_HINT
from portal.evidence.models import EvidenceFile
from portal.evidence.storage import human_size, storage_for
from portal.evidence.streamed import keeps_uploaded_files
from portal.evidence.views import refusals_on, store_uploads
from portal.extensions import db
from portal.intervention import bp, notify, rules
from portal.retention.rules import removed_page
from portal.intervention.forms import DocumentsForm, NewStepForm, ResponseForm, StepForm


def step_or_404(school, step_id):
    step = rules.load_step(school, step_id)
    if step is None:
        abort(404)
    return step


def _to_record(school, step=None):
    return redirect(url_for("intervention.index", school_id=school.id, _anchor=f"step-{step.id}" if step else None))


def _refused_when_settled(school, step, message):
    """A redirect to the record saying ``message`` when the step is closed or withdrawn; else None."""
    if step.status in rules.SETTLED:
        flash(f"This step is {step.status.label.lower()}: {message}", "error")
        return _to_record(school, step)
    return None


def _files_hint(field):
    field.description = FILES_HINT.format(limit=human_size(current_app.config["EVIDENCE_MAX_FILE_BYTES"]))


def _kept_from_form(school):
    """Files uploaded with an earlier try at this form, named in its hidden ``kept_file`` inputs."""
    ids = [int(value) for value in request.form.getlist("kept_file") if value.isdigit()]
    return evidence_rules.waiting_files(school, current_user, ids)


@bp.route("")
@school_access(may_view_school)
def index(school):
    return render_template("intervention/index.html", school=school, steps=rules.school_steps(school), today=clock.today(),
                           days_late=rules.days_late)


@bp.route("/new", methods=["GET", "POST"])
@keeps_uploaded_files
@school_access(may_record_intervention)
def new(school):
    form = NewStepForm()
    _files_hint(form.files)
    kept = []
    if request.method == "POST":
        kept = _kept_from_form(school)
        new_files, refused = store_uploads(school, form.files)  # kept (committed) even when the rest of the form is wrong
        kept += new_files
        valid = form.validate_on_submit()
        refusals_on(form.files, refused)
        if valid and not refused:
            try:
                step = rules.record_step(school, current_user, kind=form.kind.data, description=form.description.data or "",
                                         issued_on=form.issued_on.data, compliance_due_on=form.compliance_due_on.data,
                                         documents=kept)
            except RuleBroken as problem:
                db.session.rollback()
                attach_to_form(form, problem, "kind")
            else:
                told = notify.step_recorded(step)
                db.session.commit()
                names = " and ".join(person.name for person in told)
                flash(f"{step.title} recorded." + (f" {names} {'have' if len(told) > 1 else 'has'} been emailed." if told else
                                                   " There is no headteacher or chair of governors to email."), "success")
                return _to_record(school, step)
    return render_template("intervention/step_form.html", school=school, form=form, step=None, kept=kept)


@bp.route("/<int:step_id>/change", methods=["GET", "POST"])
@school_access(may_record_intervention)
def edit(school, step_id):
    step = step_or_404(school, step_id)
    elsewhere = _refused_when_settled(school, step, "reopen it from its response and outcome to change it.")
    if elsewhere:
        return elsewhere
    form = StepForm(data={"kind": step.kind, "description": step.description, "issued_on": step.issued_on,
                          "compliance_due_on": step.compliance_due_on})
    if form.validate_on_submit():
        with rule_for(form, "kind") as outcome:
            rules.change_step(step, kind=form.kind.data, description=form.description.data or "", issued_on=form.issued_on.data,
                              compliance_due_on=form.compliance_due_on.data)
        if outcome.ok:
            flash(f"{step.title}: changes saved.", "success")
            return _to_record(school, step)
    return render_template("intervention/step_form.html", school=school, form=form, step=step, kept=())


@bp.route("/<int:step_id>/response", methods=["GET", "POST"])
@school_access(may_record_intervention)
def respond(school, step_id):
    step = step_or_404(school, step_id)
    form = ResponseForm(data={"response_received_on": step.response_received_on, "outcome": step.outcome, "status": step.status})
    if form.validate_on_submit():
        with rule_for(form, "status") as outcome:
            rules.record_response(step, status=form.status.data, outcome=form.outcome.data or "",
                                  response_received_on=form.response_received_on.data)
        if outcome.ok:
            flash(f"{step.title}: {step.status.label.lower()}.", "success")
            return _to_record(school, step)
    return render_template("intervention/response_form.html", school=school, form=form, step=step)


@bp.route("/<int:step_id>/documents", methods=["GET", "POST"])
@keeps_uploaded_files
@school_access(may_record_intervention)
def documents(school, step_id):
    step = step_or_404(school, step_id)
    elsewhere = _refused_when_settled(school, step, "its documents are part of the record now.")
    if elsewhere:
        return elsewhere
    form = DocumentsForm()
    _files_hint(form.files)
    if request.method == "POST":
        kept, refused = store_uploads(school, form.files) if form.validate_on_submit() else ([], [])
        if kept:
            rules.attach_documents(step, kept)
            db.session.commit()
        if not kept and not refused and not form.errors:
            refused = ["Choose a file to upload"]
        if refused or form.errors:
            refusals_on(form.files, refused)
            if kept:
                flash(f"{len(kept)} document{'s' if len(kept) != 1 else ''} added to the step.", "success")
            return render_template("intervention/documents.html", school=school, form=form, step=rules.load_step(school, step.id))
        flash(f"{len(kept)} document{'s' if len(kept) != 1 else ''} added to the step.", "success")
        return _to_record(school, step)
    return render_template("intervention/documents.html", school=school, form=form, step=step)


@bp.route("/<int:step_id>/documents/<int:document_id>/remove", methods=["POST"])
@school_access(may_record_intervention)
def remove_document(school, step_id, document_id):
    step = step_or_404(school, step_id)
    elsewhere = _refused_when_settled(school, step, "its documents are part of the record now.")
    if elsewhere:
        return elsewhere
    stored = db.session.get(EvidenceFile, document_id)
    if stored is None or stored.intervention_step_id != step.id:
        abort(404)
    if stored.removed_at:
        return removed_page(stored.storage_key, stored.display_name)
    name = stored.display_name
    key = rules.remove_document(step, stored)
    db.session.commit()
    storage_for(current_app.config).delete(key)  # only once the record no longer names it
    flash(f"{name} removed from the step.", "success")
    return redirect(url_for("intervention.documents", school_id=school.id, step_id=step.id))


@bp.route("/<int:step_id>/documents/<int:document_id>")
@school_access(may_view_school)
def download(school, step_id, document_id):
    """Always an attachment, with the stored type and nosniff, as for evidence."""
    step = step_or_404(school, step_id)
    stored = db.session.get(EvidenceFile, document_id)
    if stored is None or stored.intervention_step_id != step.id:
        abort(404)
    response = send_file(storage_for(current_app.config).open(stored.storage_key), mimetype=stored.mime_type, as_attachment=True,
                         download_name=stored.display_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
