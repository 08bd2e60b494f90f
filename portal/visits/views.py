"""Visit pages: the adviser records a visit and writes, issues and reconsiders its notes; the school checks them."""

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from portal.access import may_lead_school, may_read_notes, may_run_reviews, may_see_visit, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.evidence.models import EvidenceFile, EvidenceStatus
from portal.evidence.rules import school_evidence
from portal.evidence.storage import storage_for
from portal.evidence.streamed import keeps_uploaded_files
from portal.evidence.views import refusals_on, store_uploads
from portal.extensions import db
from portal.pdf import pdf_response
from portal.retention.rules import removed_page
from portal import clock
from portal.templating import govuk_date
from portal.terms.rules import deadline_settings
from portal.visits import across, bp, notify, rules
from portal.visits.forms import (AttachForm, IssueForm, LinkEvidenceForm, consider_form, corrections_from, decisions_from,
                                 notes_form, response_form, sections_from, step_field, visit_form)
from portal.visits.models import NotesStatus
from portal.page_cache import kept_page


def visit_or_404(school, visit_id):
    """The visit, made final first if its accuracy check has lapsed; 404 for anyone who may not see it."""
    visit = rules.load_visit(school, visit_id)
    if visit is not None and rules.finalise_if_unanswered(visit):
        db.session.commit()
    if visit is None or not may_see_visit(current_user, school, visit):
        abort(404)
    return visit


def visit_at(school, visit_id, status, message):
    """The visit and None when its notes are at ``status``; else the visit and a redirect to it saying ``message``."""
    visit = visit_or_404(school, visit_id)
    if visit.status != status:
        flash(message, "error")
        return visit, _to_visit(visit)
    return visit, None


def _to_visit(visit, anchor=None):
    return redirect(url_for("visits.show", school_id=visit.school_id, visit_id=visit.id, _anchor=anchor))


@bp.route("")
@school_access()
def index(school):
    governance_only = not (may_run_reviews(current_user, school) or may_lead_school(current_user, school))
    return render_template("visits/index.html", school=school, visits=rules.school_visits(school, final_only=governance_only),
                           governance_only=governance_only, notes_days=deadline_settings().notes_days,
                           sees_other_schools=across.sees_more_than_one_school(current_user))


def _details_form(school, visit=None):
    plan = visit.plan if visit is not None else rules.current_plan(school)
    priorities = plan.priorities if plan else []
    support = rules.support_choices(school, visit)
    return visit_form(rules.focus_options(plan), priorities, visit, support), plan, priorities, support


def _chosen_priority(priorities, priority_id):
    return next((p for p in priorities if p.id == priority_id), None)


def _support_given(form, support):
    """The support activity, days and confirmation as the form holds them, for the rules."""
    return {"support_activity": rules.chosen_support_activity(support, form.support_activity_id.data),
            "support_days": form.support_days.data, "confirm_over": form.confirm_over.data}


@bp.route("/new", methods=["GET", "POST"])
@school_access(may_run_reviews)
def new(school):
    form, plan, priorities, support = _details_form(school)
    if form.validate_on_submit():
        try:
            visit = rules.record_visit(school, current_user, visited_on=form.visited_on.data, kind=form.kind.data,
                                       people_seen=form.people_seen.data, looked_at=form.looked_at.data or [],
                                       focus_priority=_chosen_priority(priorities, form.focus_priority_id.data), plan=plan,
                                       **_support_given(form, support))
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "visited_on")
        else:
            db.session.commit()
            flash(f"{visit.title} recorded. Its notes are due by {govuk_date(rules.notes_due_on(visit))}.", "success")
            return redirect(url_for("visits.notes", school_id=school.id, visit_id=visit.id))
    return render_template("visits/details_form.html", school=school, form=form, plan=plan, visit=None, support=support)


@bp.route("/<int:visit_id>")
@school_access()
@kept_page
def show(school, visit_id):
    return _show(school, visit_or_404(school, visit_id))


def _show(school, visit, attach_form=None, link_form=None):
    """The visit page; the adviser's draft also offers evidence to verify and decisions to link."""
    link_form = link_form or LinkEvidenceForm(formdata=None)
    unlinked, evidence_waiting = [], []
    if may_run_reviews(current_user, school) and visit.status == NotesStatus.DRAFT:
        unlinked = rules.unlinked_verifications(visit)
        link_form.verification_ids.choices = [(v.id, v.item.title) for v in unlinked]
        evidence_waiting = [item for item in school_evidence(school) if item.status == EvidenceStatus.SUBMITTED]
    settings = deadline_settings()
    return render_template(
        "visits/show.html", school=school, visit=visit, version=visit.latest_version,
        notes_due=rules.notes_due_on(visit, settings), notes_days=settings.notes_days, final_statement=rules.final_statement(visit),
        read_notes=may_read_notes(current_user, school, visit), attach_form=attach_form or AttachForm(formdata=None),
        link_form=link_form, unlinked=unlinked, evidence_waiting=evidence_waiting, today=clock.today())


@bp.route("/<int:visit_id>/details", methods=["GET", "POST"])
@school_access(may_run_reviews)
def edit(school, visit_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.DRAFT,
                                "These notes have been issued: the visit's details are part of the record now.")
    if elsewhere:
        return elsewhere
    form, plan, priorities, support = _details_form(school, visit)
    if form.validate_on_submit():
        try:
            rules.change_details(visit, visited_on=form.visited_on.data, kind=form.kind.data, people_seen=form.people_seen.data,
                                 looked_at=form.looked_at.data or [],
                                 focus_priority=_chosen_priority(priorities, form.focus_priority_id.data),
                                 **_support_given(form, support))
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "visited_on")
        else:
            db.session.commit()
            flash("Visit details saved.", "success")
            return redirect(url_for("visits.notes", school_id=school.id, visit_id=visit.id))
    return render_template("visits/details_form.html", school=school, form=form, plan=plan, visit=visit, support=support)


@bp.route("/<int:visit_id>/notes", methods=["GET", "POST"])
@school_access(may_run_reviews)
def notes(school, visit_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.DRAFT,
                                "These notes have been issued: they change only through the school's accuracy check.")
    if elsewhere:
        return elsewhere
    form, layout = notes_form(visit, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            rules.save_notes(visit, summary=form.summary.data, sections=sections_from(form, layout))
        except RuleBroken as problem:
            db.session.rollback()
            key, _, number = (problem.field or "summary").partition(":")
            target = step_field(key, number, "description") if number else "summary"
            form[target].errors = list(form[target].errors) + [problem.message]
        else:
            db.session.commit()
            if request.form.get("then") == "issue":
                flash("Notes saved.", "success")
                return redirect(url_for("visits.issue", school_id=school.id, visit_id=visit.id))
            flash("Notes saved. Issue them to the school when they are ready.", "success")
            return redirect(url_for("visits.notes", school_id=school.id, visit_id=visit.id))
    return render_template("visits/notes_form.html", school=school, visit=visit, form=form, layout=layout,
                           notes_due=rules.notes_due_on(visit))


@bp.route("/<int:visit_id>/issue", methods=["GET", "POST"])
@school_access(may_run_reviews)
def issue(school, visit_id):
    """Issuing cannot be undone: the page says what will happen (version 1 fixed, who is emailed, the accuracy
    check's end date) and the adviser confirms with its button."""
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.DRAFT, "These notes have already been issued.")
    if elsewhere:
        return elsewhere
    form = IssueForm()
    if form.validate_on_submit():
        try:
            rules.issue(visit, current_user)
        except RuleBroken as problem:
            db.session.rollback()
            form.issue.errors = [problem.message]
        else:
            sent_to = notify.notes_issued(visit)
            db.session.commit()
            names = ", ".join(person.name for person in sent_to) or "the school's leaders"
            flash(f"Notes issued to {names}. The school has until {govuk_date(visit.response_due_on)} to check them "
                  "for accuracy.", "success")
            return _to_visit(visit)
    settings = deadline_settings()
    return render_template("visits/issue.html", school=school, visit=visit, form=form, recipients=rules.school_leaders(school),
                           response_due_on=rules.response_due_from(clock.today(), settings),
                           response_days=settings.notes_response_days), 400 if form.errors else 200


@bp.route("/<int:visit_id>/accuracy", methods=["GET", "POST"])
@school_access(may_lead_school)
def respond(school, visit_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.ISSUED,
                                "These notes are not waiting for an accuracy check.")
    if elsewhere:
        return elsewhere
    form, layout = response_form(visit.latest_version)
    if form.validate_on_submit():
        try:
            response = rules.respond(visit, current_user, verdict=form.verdict.data, corrections=corrections_from(form, layout),
                                     comment=form.comment.data)
        except RuleBroken as problem:
            db.session.rollback()
            if problem.field == "corrections" and layout:
                first = layout[0][3]
                first.errors = list(first.errors) + [problem.message]
            else:
                attach_to_form(form, problem, "verdict")
        else:
            notify.response_received(visit, response)
            db.session.commit()
            flash("Thank you: the notes are final." if visit.status == NotesStatus.FINAL
                  else "Your corrections have gone to the adviser.", "success")
            return _to_visit(visit)
    return render_template("visits/respond.html", school=school, visit=visit, form=form, layout=layout)


@bp.route("/<int:visit_id>/corrections", methods=["GET", "POST"])
@school_access(may_run_reviews)
def corrections(school, visit_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.CORRECTIONS,
                                "There are no corrections to consider on these notes.")
    if elsewhere:
        return elsewhere
    response = visit.latest_response
    form, layout = consider_form(response.corrections)
    if form.validate_on_submit():
        try:
            rules.consider_corrections(visit, current_user, decisions=decisions_from(layout))
        except RuleBroken as problem:
            db.session.rollback()
            target = form[problem.field] if problem.field in form else form.save
            target.errors = list(target.errors) + [problem.message]
        else:
            notify.notes_final(visit)
            db.session.commit()
            flash("The notes are final. The school can see what you accepted and your replies.", "success")
            return _to_visit(visit)
    return render_template("visits/corrections.html", school=school, visit=visit, response=response, form=form, layout=layout)


@bp.route("/<int:visit_id>/versions/<int:number>")
@school_access()
def version(school, visit_id, number):
    visit = visit_or_404(school, visit_id)
    found = next((v for v in visit.versions if v.number == number), None)
    if found is None or not may_read_notes(current_user, school, visit):
        abort(404)
    return render_template("visits/version.html", school=school, visit=visit, version=found,
                           passages=rules.passages(found.content))


def _printable(school, visit_id):
    """What the print view and the PDF show: the latest notes; 404 unless this person may read them."""
    visit = visit_or_404(school, visit_id)
    if visit.latest_version is None or not may_read_notes(current_user, school, visit):
        abort(404)
    return dict(school=school, visit=visit, version=visit.latest_version, final_statement=rules.final_statement(visit))


@bp.route("/<int:visit_id>/print")
@school_access()
def print_view(school, visit_id):
    return render_template("visits/print.html", **_printable(school, visit_id))


@bp.route("/<int:visit_id>/notes-pdf")
@school_access()
def print_pdf(school, visit_id):
    context = _printable(school, visit_id)
    visit, version = context["visit"], context["version"]
    return pdf_response(render_template("visits/print.html", **context),
                        f"{school.name} notes of visit {visit.visited_on.isoformat()} version {version.number}.pdf")


@bp.route("/<int:visit_id>/files", methods=["POST"])
@keeps_uploaded_files
@school_access(may_run_reviews)
def attach(school, visit_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.DRAFT,
                                "These notes have been issued: files can no longer be added.")
    if elsewhere:
        return elsewhere
    form = AttachForm()
    kept, refused = store_uploads(school, form.files) if form.validate_on_submit() else ([], [])
    if kept:
        rules.attach_files(visit, kept)
        db.session.commit()
    if not kept and not refused and not form.errors:
        refused = ["Choose a file to upload"]
    if refused or form.errors:
        refusals_on(form.files, refused)
        return _show(school, visit, attach_form=form), 400
    flash(f"{len(kept)} file{'s' if len(kept) != 1 else ''} added to the visit.", "success")
    return _to_visit(visit, "attachments")


@bp.route("/<int:visit_id>/files/<int:file_id>/remove", methods=["POST"])
@school_access(may_run_reviews)
def remove_attachment(school, visit_id, file_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.DRAFT,
                                "These notes have been issued: their attachments are part of the record now.")
    if elsewhere:
        return elsewhere
    stored = db.session.get(EvidenceFile, file_id)
    if stored is None or stored.visit_id != visit.id:
        abort(404)
    name = stored.display_name
    key = rules.remove_attachment(visit, stored)
    db.session.commit()
    storage_for(current_app.config).delete(key)  # only once the record no longer names it
    flash(f"{name} removed from the visit.", "success")
    return _to_visit(visit, "attachments")


@bp.route("/<int:visit_id>/files/<int:file_id>")
@school_access()
def download(school, visit_id, file_id):
    """Always an attachment, with the stored type and nosniff, as for evidence."""
    visit = visit_or_404(school, visit_id)
    stored = db.session.get(EvidenceFile, file_id)
    if stored is None or stored.visit_id != visit.id or not may_read_notes(current_user, school, visit):
        abort(404)
    if stored.removed_at:
        return removed_page(stored.storage_key, stored.display_name)
    response = send_file(storage_for(current_app.config).open(stored.storage_key), mimetype=stored.mime_type, as_attachment=True,
                         download_name=stored.display_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:visit_id>/evidence", methods=["POST"])
@school_access(may_run_reviews)
def link_evidence(school, visit_id):
    visit, elsewhere = visit_at(school, visit_id, NotesStatus.DRAFT,
                                "These notes have been issued: the evidence verified during the visit is part of the record now.")
    if elsewhere:
        return elsewhere
    form = LinkEvidenceForm()
    if form.validate_on_submit():
        try:
            linked = rules.link_verifications(visit, form.verification_ids.data or [])
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "verification_ids")
        else:
            db.session.commit()
            flash(f"{len(linked)} verification decision{'s' if len(linked) != 1 else ''} linked to this visit.", "success")
            return _to_visit(visit, "evidence")
    return _show(school, visit, link_form=form), 400

