"""Minutes pages: write, circulate, confirm or ask for changes, correct, verify, record the governing body date."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.access import may_record_governance, may_write_minutes, school_access
from portal.errors_domain import RuleBroken, attach_to_form
from portal.documents import send_verified_document, stored_sha256, store_document
from portal.retention.rules import removal_of, removed_page
from portal.evidence.files import FileRefused
from portal.evidence.streamed import keeps_uploaded_files
from portal.extensions import db
from portal.pdf import pdf_response
from portal.notices import events as notices
from portal.page_cache import kept_page
from portal.meetings.rules import deadlines_for, load_meeting_alone
from portal.meetings.views import meeting_or_404
from portal.minutes import bp, guard, rules
from portal.minutes.forms import ACTION_ROWS_SPARE, ChangesForm, ConfirmForm, GoverningBodyForm, NominateForm, minutes_form
from portal.minutes.models import MinutesAction, MinutesStatus, MinutesVersion
from portal.auth.models import User
from portal.schools.models import Role, SchoolRole

def _version_or_404(meeting, version_id):
    version = db.session.get(MinutesVersion, version_id)
    if version is None or version.meeting_id != meeting.id:
        abort(404)
    return version


def _to_minutes(meeting, anchor=None):
    return redirect(url_for("minutes.show", school_id=meeting.school_id, meeting_id=meeting.id, _anchor=anchor))


def _active_people(school, roles=None):
    """(user id, name, role) of the school's active people (holding one of ``roles``): one statement however many."""
    query = (select(User.id, User.name, SchoolRole.role).join(SchoolRole, SchoolRole.user_id == User.id)
             .where(SchoolRole.school_id == school.id, User.active.is_(True)))
    if roles is not None:
        query = query.where(SchoolRole.role.in_(roles))
    return db.session.execute(query).all()


def _people(school):
    return sorted({(user_id, f"{name} ({role.label.lower()})") for user_id, name, role in _active_people(school)},
                  key=lambda person: person[1])


def _governors(school):
    """(id, name) of the school's active governors and chairs, by name."""
    found = _active_people(school, (Role.GOVERNOR, Role.CHAIR_OF_GOVERNORS))
    return sorted({(user_id, name) for user_id, name, _ in found}, key=lambda person: person[1])


def _actor():
    return getattr(current_user, "id", None), getattr(current_user, "email", "system")


def _checked(version, shown_on):
    """Check the stored minutes against their digest and the stored file against its SHA-256, now (once a request).

    Anything that no longer matches goes in the audit log; the page shows a warning."""
    done = g.setdefault("minutes_checks", {})
    if (version.id, shown_on) not in done:
        done[(version.id, shown_on)] = _check_now(version, shown_on)
    return done[(version.id, shown_on)]


def _check_now(version, shown_on):
    found = stored_sha256(version.document_key) if version.document_key else None
    removal = removal_of(version.document_key) if version.document_key and found is None else None
    check = rules.check_record(version, found, removed_at=removal.removed_at if removal else None)
    if not check.intact:
        user_id, actor = _actor()
        guard.record_mismatch(db.engine, version, check, shown_on=shown_on, user_id=user_id, actor=actor)
    return check


def _render_show(school, meeting, **forms):
    versions = rules.versions_of(meeting)
    latest = versions[-1] if versions else None
    nominate_form = forms.get("nominate_form") or NominateForm(formdata=None)
    nominate_form.user_id.choices = _governors(school)
    return render_template(
        "minutes/show.html", school=school, meeting=meeting, versions=versions, latest=latest,
        may_confirm=bool(latest and rules.may_confirm(current_user, meeting, latest)),
        confirm_form=forms.get("confirm_form") or ConfirmForm(formdata=None),
        changes_form=forms.get("changes_form") or ChangesForm(formdata=None),
        governing_body_form=forms.get("governing_body_form") or GoverningBodyForm(formdata=None),
        nominate_form=nominate_form, confirmers=rules.confirmer_for(meeting),
        deadline=minutes_due(meeting), check=_checked(latest, "minutes page") if latest else None)


def minutes_due(meeting):
    return deadlines_for(meeting).minutes_due


def _latest_checked(school, meeting_id):
    """What the minutes page checks on every view, even when it is served from memory: the latest version against
    its digest and its document against its SHA-256 (a change made behind the portal's back shows at once)."""
    latest = rules.latest_version(school.id, meeting_id)
    return (latest.id, _checked(latest, "minutes page")) if latest else None


@bp.route("")
@school_access()
@kept_page(checked_by=_latest_checked)
def show(school, meeting_id):
    return _render_show(school, meeting_or_404(school, meeting_id, loader=load_meeting_alone))


@bp.route("/start", methods=["POST"])
@school_access(may_write_minutes)
def start(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    try:
        version = rules.start_version(meeting, current_user)
    except RuleBroken as problem:
        flash(problem.message, "error")
        return _to_minutes(meeting)
    db.session.commit()
    if version.number > 1:
        flash(f"Version {version.number} started as a draft. Earlier versions stay exactly as they were.", "success")
    return redirect(url_for("minutes.edit", school_id=school.id, meeting_id=meeting.id, version_id=version.id))


def _form_for(meeting, version, school, submitted):
    """The minutes form (one box per plan priority, the actions plus spare rows), filled from the draft unless posted.

    Returns (form, priority titles, number of action rows)."""
    priorities = [p.title for p in meeting.plan.priorities] if meeting.plan else []
    action_count = len(version.actions) + ACTION_ROWS_SPARE
    form_class = minutes_form(priorities or ["General"], _people(school), action_count)
    form = form_class() if submitted else form_class(formdata=None)
    if not submitted:
        form.attendance.data, form.apologies.data = version.attendance, version.apologies
        form.decisions.data, form.summary.data = version.decisions, version.summary
        saved = {d["priority"]: d["text"] for d in version.discussion or []}
        for index, title in enumerate(priorities or ["General"], start=1):
            form[f"discussion_{index}"].data = saved.get(title, "")
        for index, action in enumerate(version.actions, start=1):
            form[f"action_{index}"].data = action.description
            form[f"owner_{index}"].data = action.owner_id or 0
            form[f"owner_name_{index}"].data = "" if action.owner_id else action.owner_name
            form[f"due_{index}"].data = action.due_on
    return form, priorities or ["General"], action_count


def _save_from_form(school, version, form, priorities, action_count):
    """Store what the form holds in the draft (uploading any document first). Raises FileRefused or RuleBroken."""
    stored = store_document(request.files.get(form.document.name))
    people = {r.user.id: r.user for r in school.roles}
    actions = []
    for index in range(1, action_count + 1):
        description = (form[f"action_{index}"].data or "").strip()
        if description:
            actions.append((description, people.get(form[f"owner_{index}"].data), form[f"owner_name_{index}"].data or "",
                            form[f"due_{index}"].data))
    rules.save_draft(
        version, attendance=form.attendance.data or "", apologies=form.apologies.data or "",
        discussion=[{"priority": title, "text": form[f"discussion_{i}"].data or ""} for i, title in enumerate(priorities, 1)],
        decisions=form.decisions.data or "", summary=form.summary.data or "", actions=actions,
        document=(stored.name, stored.key, stored.sha256) if stored else None)


def _circulation_problem(version):
    """Why this draft cannot be circulated yet (a RuleBroken naming the field), or None."""
    try:
        rules.check_ready_to_circulate(version)
    except RuleBroken as problem:
        return problem
    return None


@bp.route("/<int:version_id>/edit", methods=["GET", "POST"])
@keeps_uploaded_files
@school_access(may_write_minutes)
def edit(school, meeting_id, version_id):
    """One form, two buttons: "Save draft", or "Circulate to members", which saves what was typed first and then
    asks the writer to check it. On any problem the page comes back with everything as typed."""
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    if version.status != MinutesStatus.DRAFT:
        flash(f"Version {version.number} is {version.status.label.lower()}: it cannot change. Start a correction instead.", "info")
        return _to_minutes(meeting)
    form, priorities, action_count = _form_for(meeting, version, school, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            _save_from_form(school, version, form, priorities, action_count)
        except FileRefused as problem:
            db.session.rollback()
            form.document.errors = [problem.message]
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "attendance")
        else:
            problem = _circulation_problem(version) if form.circulate.data else None
            db.session.commit()  # what was typed is kept as the draft, even when it cannot be circulated yet
            if problem is not None:
                attach_to_form(form, problem, "attendance")
            elif form.circulate.data:
                return redirect(url_for("minutes.check_before_circulating", school_id=school.id, meeting_id=meeting.id,
                                        version_id=version.id))
            else:
                flash("Draft minutes saved.", "success")
                return redirect(url_for("minutes.edit", school_id=school.id, meeting_id=meeting.id, version_id=version.id))
    return render_template("minutes/edit.html", school=school, meeting=meeting, version=version, form=form,
                           priorities=priorities, action_count=action_count, deadline=minutes_due(meeting))


@bp.route("/<int:version_id>/circulate")
@school_access(may_write_minutes)
def check_before_circulating(school, meeting_id, version_id):
    """Circulating cannot be undone: show exactly what will go, with the button that sends it."""
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    if version.status != MinutesStatus.DRAFT:
        flash(f"Version {version.number} has already been circulated.", "info")
        return _to_minutes(meeting)
    problem = _circulation_problem(version)
    if problem is not None:
        flash(problem.message, "error")
        return redirect(url_for("minutes.edit", school_id=school.id, meeting_id=meeting.id, version_id=version.id))
    return render_template("minutes/circulate.html", school=school, meeting=meeting, version=version,
                           check=_checked(version, "check before circulating"))


@bp.route("/<int:version_id>/circulate", methods=["POST"])
@school_access(may_write_minutes)
def circulate(school, meeting_id, version_id):
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    try:
        rules.circulate(version, meeting)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return redirect(url_for("minutes.edit", school_id=school.id, meeting_id=meeting.id, version_id=version.id))
    notices.minutes_circulated(version, meeting, current_user)
    db.session.commit()
    flash("Minutes circulated: the chair of governors is asked to confirm them, and every member is emailed.", "success")
    return _to_minutes(meeting)


@bp.route("/<int:version_id>/confirm", methods=["POST"])
@school_access(may_record_governance)
def confirm(school, meeting_id, version_id):
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    form = ConfirmForm()
    if form.validate_on_submit() and form.accurate.data:
        intact = not version.document_key or _checked(version, "confirmation").document_matches
        try:
            rules.confirm(version, meeting, current_user, document_intact=intact)
        except RuleBroken as problem:
            db.session.rollback()
            flash(problem.message, "error")
            return _to_minutes(meeting)
        notices.minutes_confirmed(version, meeting, current_user)
        db.session.commit()
        flash(f"Minutes confirmed. Digest {version.digest}", "success")
        return _to_minutes(meeting, "confirmation")
    if not form.accurate.data and not form.accurate.errors:
        form.accurate.errors = ["Tick the box to confirm the minutes are an accurate record"]
    return _render_show(school, meeting, confirm_form=form)


@bp.route("/<int:version_id>/request-changes", methods=["POST"])
@school_access(may_record_governance)
def request_changes(school, meeting_id, version_id):
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    form = ChangesForm()
    if form.validate_on_submit():
        try:
            rules.request_changes(version, meeting, current_user, form.comment.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "comment")
        else:
            db.session.commit()
            flash("Your request for changes has gone to the writer of the minutes.", "success")
            return _to_minutes(meeting)
    return _render_show(school, meeting, changes_form=form)


@bp.route("/nominate", methods=["POST"])
@school_access(may_record_governance)
def nominate(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    form = NominateForm()
    form.user_id.choices = _governors(school)
    if form.validate_on_submit():
        governor = next((r.user for r in school.roles if r.user_id == form.user_id.data), None)
        try:
            rules.nominate(meeting, current_user, governor)
        except RuleBroken as problem:
            db.session.rollback()
            flash(problem.message, "error")
        else:
            db.session.commit()
            flash(f"{governor.name} can now confirm these minutes.", "success")
    return _to_minutes(meeting)


@bp.route("/<int:version_id>/governing-body", methods=["POST"])
@school_access(may_record_governance)
def governing_body(school, meeting_id, version_id):
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    form = GoverningBodyForm()
    if form.validate_on_submit():
        try:
            rules.record_governing_body(version, current_user, form.received_on.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "received_on")
        else:
            db.session.commit()
            flash("Recorded: the minutes went to the full governing body.", "success")
            return _to_minutes(meeting)
    return _render_show(school, meeting, governing_body_form=form)


def _printable(school, meeting_id, version_id, shown_on):
    """What the print view and the PDF show: one version, checked against its digest now (``shown_on`` names where)."""
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    return dict(school=school, meeting=meeting, version=version, check=_checked(version, shown_on))


@bp.route("/<int:version_id>/print")
@school_access()
def print_view(school, meeting_id, version_id):
    return render_template("minutes/print.html", **_printable(school, meeting_id, version_id, "print view"))


@bp.route("/<int:version_id>/pdf")
@school_access()
def print_pdf(school, meeting_id, version_id):
    context = _printable(school, meeting_id, version_id, "PDF")
    meeting, version = context["meeting"], context["version"]
    return pdf_response(render_template("minutes/print.html", **context),
                        f"{school.name} minutes {meeting.meets_on.isoformat()} version {version.number}.pdf")


@bp.route("/<int:version_id>/document")
@school_access()
def document(school, meeting_id, version_id):
    meeting = meeting_or_404(school, meeting_id)
    version = _version_or_404(meeting, version_id)
    if not version.document_key:
        abort(404)
    response = send_verified_document(version.document_key, version.document_name, version.document_sha256)
    if response is not None:
        return response
    removed = removed_page(version.document_key, version.document_name)
    if removed is not None:
        return removed
    # Never serve a file that is not the one attached (and, once confirmed, the one confirmed).
    user_id, actor = _actor()
    check = rules.check_record(version, stored_sha256(version.document_key))
    guard.record_mismatch(db.engine, version, check, shown_on="download", user_id=user_id, actor=actor)
    return render_template(
        "errors/error.html", status=409, title="This document cannot be downloaded",
        advice="The stored file no longer matches the SHA-256 recorded when it was attached to these minutes, so it is "
               "not the document shown on the minutes. It has not been downloaded, and this is recorded in the audit log. "
               "Tell your local authority's school improvement team."), 409


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@school_access()
def action_done(school, meeting_id, action_id):
    meeting = meeting_or_404(school, meeting_id)
    action = db.session.get(MinutesAction, action_id)
    if action is None or action.version.meeting_id != meeting.id:
        abort(404)
    if action.owner_id != current_user.id and not may_write_minutes(current_user, school):
        abort(403)
    rules.mark_action_done(action, current_user)
    db.session.commit()
    flash("Action marked as done.", "success")
    if request.form.get("back") == "home":
        return redirect(url_for("home.index"))
    return _to_minutes(meeting)
