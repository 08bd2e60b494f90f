"""Evidence pages: submit (files streamed to storage, checked by content), read, answer, verify, withdraw, download."""

from urllib.parse import unquote

from flask import abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from portal.access import may_lead_school, may_run_reviews, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.evidence import bp, rules
from portal.evidence.files import FileRefused, safe_display_name
from portal.evidence.forms import FILES_HINT, AnswerForm, DecisionForm, EvidenceForm
from portal.evidence.models import Decision, EvidenceFile
from portal.evidence.request_body import RequestBody
from portal.evidence.storage import human_size, smaller_than, storage_for
from portal.evidence.streamed import keeps_uploaded_files, receive_file, store_upload
from portal.extensions import db, htmx
from portal.notices import events as notices
from portal.meetings.rules import deadlines_for
from portal.retention.rules import removed_page
from portal.terms.rules import deadline_settings
from portal.page_cache import kept_page


def item_or_404(school, item_id):
    item = rules.load_item(school, item_id)
    if item is None:
        abort(404)
    return item


def store_uploads(school, form_field):
    """Check and store every file chosen in ``form_field``; keep the good ones even if another is refused.

    Returns (kept files, [refusal messages]). Kept files are committed at once, so nothing uploaded is lost.
    """
    storage = storage_for(current_app.config)
    limit = current_app.config["EVIDENCE_MAX_FILE_BYTES"]
    kept, refused = [], []
    for upload in request.files.getlist(form_field.name):
        if not upload or not upload.filename:
            continue
        display_name = safe_display_name(upload.filename)
        try:
            kind, stored = store_upload(storage, upload, max_bytes=limit, display_name=display_name)
        except FileRefused as problem:
            refused.append(problem.message)
            continue
        kept.append(rules.keep_uploaded_file(school, current_user, stored, kind, display_name))
    if kept:
        db.session.commit()
    return kept, refused


@bp.app_template_global()
def files_sent_as_chosen(school):
    """Attributes for a file field whose files the page's script sends as soon as they are chosen (upload_file)."""
    limit = current_app.config["EVIDENCE_MAX_FILE_BYTES"]
    return {"data-upload-url": url_for("evidence.upload_file", school_id=school.id), "data-max-bytes": str(limit),
            "data-too-big": smaller_than(limit)}


def refusals_on(field, refused):
    """Every refused file named in one message: the error summary shows one message per field."""
    if refused:
        field.errors = list(field.errors) + [". ".join(message.rstrip(".") for message in refused)]


def _kept_from_form(school):
    ids = [int(value) for value in request.form.getlist("kept_file") if value.isdigit()]
    return rules.waiting_files(school, current_user, ids)


def _evidence_form(school, meetings):
    form = EvidenceForm()
    form.meeting_id.choices = [(0, "Choose a meeting")] + [
        (m.id, f"{m.title} on {m.meets_on.day} {m.meets_on:%B %Y}") for m in meetings]
    criteria = {c.id: c for m in meetings if m.plan for c in m.plan.success_criteria}
    form.criterion_ids.choices = [(c.id, c.description) for c in criteria.values()]
    form.files.description = FILES_HINT.format(limit=human_size(current_app.config["EVIDENCE_MAX_FILE_BYTES"]))
    if request.method == "GET":
        form.meeting_id.data = request.args.get("meeting", meetings[0].id if meetings else 0, type=int)
    return form, criteria


@bp.route("")
@school_access()
def index(school):
    return render_template("evidence/index.html", school=school, items=rules.school_evidence(school))


@bp.route("/new", methods=["GET", "POST"])
@keeps_uploaded_files
@school_access(may_lead_school)
def new(school):
    meetings = rules.upcoming_meetings(school)
    form, criteria = _evidence_form(school, meetings)
    kept = []
    if request.method == "POST":
        kept = _kept_from_form(school)
        new_files, refused = store_uploads(school, form.files)
        kept += new_files
        valid = form.validate_on_submit()
        refusals_on(form.files, refused)
        if valid and not refused:
            meeting = next((m for m in meetings if m.id == form.meeting_id.data), None)
            try:
                item = rules.submit(school, current_user, meeting=meeting, title=form.title.data, narrative=form.narrative.data or "",
                                    criteria=[criteria[i] for i in form.criterion_ids.data if i in criteria], files=kept)
            except RuleBroken as problem:
                db.session.rollback()
                attach_to_form(form, problem, "title")
            else:
                db.session.commit()
                message = f"Evidence submitted{': it was after the deadline, so it is marked late' if item.late else ''}."
                flash(message, "success")
                target = url_for("evidence.show", school_id=school.id, item_id=item.id)
                if htmx:
                    response = make_response("", 204)
                    response.headers["HX-Redirect"] = target
                    return response
                return redirect(target)
    deadlines = {m.id: deadlines_for(m) for m in meetings}
    return render_template("evidence/new.html", school=school, form=form, kept=kept, meetings=meetings, deadlines=deadlines,
                           evidence_days=deadline_settings().evidence_days)


@bp.route("/files", methods=["POST"])
@school_access(may_lead_school)
def upload_file(school):
    """One file as the request's whole body, sent by the page's script as soon as it is chosen: kept (committed)
    like a file sent with the form, and answered with its line for the form's list of kept files (201), or with
    the refusal (422, plain text). Nothing to parse, so a big file arrives faster than in a form."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _refusal("Send the file itself, not a form", 415)
    display_name = safe_display_name(unquote(request.headers.get("X-File-Name", "")) or "upload")
    storage = storage_for(current_app.config)
    try:
        kind, stored = receive_file(storage, RequestBody(request), length=request.content_length,
                                    max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"], display_name=display_name)
    except FileRefused as problem:
        return _refusal(problem.message, 422)
    evidence_file = rules.keep_uploaded_file(school, current_user, stored, kind, display_name)
    db.session.commit()
    return render_template("evidence/_kept_file.html", evidence_file=evidence_file), 201


def _refusal(message, status):
    response = make_response(message, status)
    response.mimetype = "text/plain"
    return response


def _visit_for_decision(school, visit_id):
    """The adviser's visit a decision is being made during: only a visit of this school whose notes are a draft."""
    from portal.visits.models import NotesStatus, Visit

    if not visit_id or not may_run_reviews(current_user, school):
        return None
    visit = db.session.get(Visit, visit_id)
    return visit if visit is not None and visit.school_id == school.id and visit.status == NotesStatus.DRAFT else None


@bp.route("/<int:item_id>")
@school_access()
@kept_page
def show(school, item_id):
    item = item_or_404(school, item_id)
    return render_template("evidence/show.html", school=school, item=item, deadlines=deadlines_for(item.meeting),
                           answer_form=AnswerForm(formdata=None), decision_form=DecisionForm(formdata=None), kept=(),
                           visit=_visit_for_decision(school, request.args.get("visit", type=int)))


@bp.route("/<int:item_id>/answer", methods=["POST"])
@keeps_uploaded_files
@school_access(may_lead_school)
def answer(school, item_id):
    item = item_or_404(school, item_id)
    form = AnswerForm()
    kept = _kept_from_form(school)
    new_files, refused = store_uploads(school, form.files)
    kept += new_files
    valid = form.validate_on_submit()
    refusals_on(form.files, refused)
    if valid and not refused:
        try:
            rules.answer_query(item, current_user, answer=form.answer.data, files=kept)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "answer")
        else:
            db.session.commit()
            flash("Your answer has gone back to your adviser.", "success")
            return redirect(url_for("evidence.show", school_id=school.id, item_id=item.id))
    return render_template(
        "evidence/show.html", school=school, item=item, deadlines=deadlines_for(item.meeting), answer_form=form,
        decision_form=DecisionForm(formdata=None), kept=kept)


@bp.route("/<int:item_id>/decision", methods=["POST"])
@school_access(may_run_reviews)
def decision(school, item_id):
    item = item_or_404(school, item_id)
    form = DecisionForm()
    visit = _visit_for_decision(school, request.form.get("visit_id", type=int))
    if form.validate_on_submit():
        try:
            verification = rules.decide(item, current_user, decision=Decision(form.decision.data),
                                        comment=form.comment.data or "", visit=visit)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "decision")
        else:
            db.session.flush()
            notices.evidence_decided(item, verification, current_user)
            db.session.commit()
            flash(f"{item.title}: {item.status.label.lower()}.", "success")
            back_to_queue = request.form.get("from_queue") == "yes"
            if visit is not None:
                return redirect(url_for("visits.show", school_id=school.id, visit_id=visit.id, _anchor="evidence"))
            return redirect(url_for("evidence_queue.queue") if back_to_queue
                            else url_for("evidence.show", school_id=school.id, item_id=item.id))
    return render_template("evidence/show.html", school=school, item=item, deadlines=deadlines_for(item.meeting),
                           answer_form=AnswerForm(formdata=None), decision_form=form, kept=(), visit=visit)


@bp.route("/<int:item_id>/withdraw", methods=["POST"])
@school_access(may_lead_school)
def withdraw(school, item_id):
    item = item_or_404(school, item_id)
    try:
        rules.withdraw(item)
    except RuleBroken as problem:
        flash(problem.message, "error")
    else:
        db.session.commit()
        flash("Evidence withdrawn. It stays on the record, marked withdrawn.", "success")
    return redirect(url_for("evidence.show", school_id=school.id, item_id=item.id))


@bp.route("/<int:item_id>/files/<int:file_id>")
@school_access()
def download(school, item_id, file_id):
    """Always an attachment, with the stored type and nosniff: never shown inline from storage."""
    item = item_or_404(school, item_id)
    evidence_file = db.session.get(EvidenceFile, file_id)
    if evidence_file is None or evidence_file.version is None or evidence_file.version.item_id != item.id:
        abort(404)
    if evidence_file.removed_at:
        return removed_page(evidence_file.storage_key, evidence_file.display_name)
    response = send_file(storage_for(current_app.config).open(evidence_file.storage_key), mimetype=evidence_file.mime_type,
                         as_attachment=True, download_name=evidence_file.display_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
