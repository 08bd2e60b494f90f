"""Review meeting pages: schedule (one or a year's worth), reschedule, cancel, agenda, review, invitation."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import may_run_reviews, school_access
from portal.documents import send_document, store_document
from portal.evidence.files import FileRefused
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.notices import events as notices
from portal.meetings import bp, rules
from portal.meetings.forms import AgendaForm, CancelForm, MeetingForm, RescheduleForm, half_termly_form
from portal.meetings.models import MeetingKind
from portal.plans.rules import school_plans
from portal.terms.rules import academic_year_on, closure_days
from portal import clock


def meeting_or_404(school, meeting_id):
    meeting = rules.load_meeting(school, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _to_meeting(meeting, anchor=None):
    return redirect(url_for("meetings.show", school_id=meeting.school_id, meeting_id=meeting.id, _anchor=anchor))


@bp.route("")
@school_access()
def index(school):
    meetings, today = rules.school_meetings(school), clock.today()
    settings, closures = rules.deadline_settings(), closure_days()
    deadlines = {m.id: rules.deadlines_for(m, settings, closures) for m in meetings}
    return render_template("meetings/index.html", school=school, meetings=meetings, deadlines=deadlines, today=today,
                           agenda={m.id: rules.agenda_status(m, deadlines[m.id], today) for m in meetings})


def _plan_choices(form, school, allow_none):
    plans = school_plans(school)
    form.plan_id.choices = ([(0, "Not linked to a plan")] if allow_none else []) + [(p.id, p.title) for p in plans]
    return {p.id: p for p in plans}


@bp.route("/new", methods=["GET", "POST"])
@school_access(may_run_reviews)
def new(school):
    form = MeetingForm()
    plans = _plan_choices(form, school, allow_none=True)
    if form.validate_on_submit():
        try:
            meeting = rules.schedule_meeting(
                school, current_user, kind=MeetingKind(form.kind.data), meets_on=form.meets_on.data,
                starts_at=form.starts_at.data, ends_at=form.ends_at.data, place=form.place.data or "",
                chair=form.chair.data or "", plan=plans.get(form.plan_id.data), holidays_confirmed=form.book_in_holidays.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "meets_on")
        else:
            db.session.flush()
            notices.meeting_scheduled(meeting, current_user)
            db.session.commit()
            flash(f"{meeting.kind.label} scheduled.", "success")
            return _to_meeting(meeting)
    return render_template("meetings/new.html", school=school, form=form)


@bp.route("/half-termly", methods=["GET", "POST"])
@school_access(may_run_reviews)
def half_termly(school):
    year = academic_year_on()
    if year is None or not year.half_terms:
        flash("Term dates for this academic year have not been entered yet: ask your LA admin.", "info")
        return redirect(url_for("meetings.index", school_id=school.id))
    closures = closure_days()
    form = half_termly_form(year.half_terms, {h.id: rules.suggested_date(h, closures) for h in year.half_terms})
    plans = _plan_choices(form, school, allow_none=False)
    if not plans:
        flash(f"{school.name} has no plan yet: its leaders start one, then you can schedule its reviews.", "info")
        return redirect(url_for("meetings.index", school_id=school.id))
    if form.validate_on_submit():
        try:
            created = rules.schedule_half_termly(
                school, current_user, plan=plans[form.plan_id.data],
                dates={h: form[f"date_{h.number}"].data for h in year.half_terms},
                starts_at=form.starts_at.data, ends_at=form.ends_at.data, place=form.place.data or "",
                chair=form.chair.data or "", holidays_confirmed=form.book_in_holidays.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "date_1")
        else:
            db.session.flush()
            notices.year_scheduled(school, created, current_user)
            db.session.commit()
            flash(f"{len(created)} review meetings scheduled for {year.label}." if created
                  else "Every half term already has a review meeting for this plan.", "success")
            return redirect(url_for("meetings.index", school_id=school.id))
    return render_template("meetings/half_termly.html", school=school, form=form, year=year)


@bp.route("/<int:meeting_id>")
@school_access()
def show(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    deadlines, today = rules.deadlines_for(meeting), clock.today()
    criteria = meeting.plan.success_criteria if meeting.plan else []
    return render_template("meetings/show.html", school=school, meeting=meeting, deadlines=deadlines, criteria=criteria,
                           agenda_late=rules.agenda_was_late(meeting, deadlines), today=today,
                           agenda_status=rules.agenda_status(meeting, deadlines, today))


@bp.route("/<int:meeting_id>/invitation.ics")
@school_access()
def invitation(school, meeting_id):
    """The meeting as a calendar invitation: same UID always, SEQUENCE raised by every reschedule."""
    from portal.meetings.invitations import invitation_for

    meeting = meeting_or_404(school, meeting_id)
    body = invitation_for(meeting, url_for("meetings.show", school_id=school.id, meeting_id=meeting.id, _external=True),
                          clock.now())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="review-meeting-{meeting.id}.ics"'
    return response


@bp.route("/<int:meeting_id>/reschedule", methods=["GET", "POST"])
@school_access(may_run_reviews)
def reschedule(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    form = RescheduleForm(data=None if request.method == "POST" else
                          {"meets_on": meeting.meets_on, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at})
    if form.validate_on_submit():
        try:
            rules.reschedule(meeting, current_user, meets_on=form.meets_on.data, starts_at=form.starts_at.data,
                             ends_at=form.ends_at.data, reason=form.reason.data or "",
                             holidays_confirmed=form.book_in_holidays.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "meets_on")
        else:
            notices.meeting_moved(meeting, current_user, reason=form.reason.data or "")
            db.session.commit()
            flash("Meeting rescheduled. Its deadlines have moved with it; members are emailed the updated invitation.",
                  "success")
            return _to_meeting(meeting)
    return render_template("meetings/reschedule.html", school=school, meeting=meeting, form=form)


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
@school_access(may_run_reviews)
def cancel(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            rules.cancel(meeting, form.reason.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "reason")
        else:
            notices.meeting_moved(meeting, current_user)
            db.session.commit()
            flash("Meeting cancelled. It stays on the record, marked cancelled.", "success")
            return _to_meeting(meeting)
    return render_template("meetings/cancel.html", school=school, meeting=meeting, form=form)


@bp.route("/<int:meeting_id>/agenda", methods=["GET", "POST"])
@school_access(may_run_reviews)
def agenda(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    form = AgendaForm(data=None if request.method == "POST" else {"agenda": meeting.agenda})
    if form.validate_on_submit():
        try:
            document = store_document(request.files.get(form.document.name))
            rules.save_agenda(meeting, form.agenda.data or "", document=document, remove_document=form.remove_document.data)
            if form.send.data:
                rules.mark_agenda_sent(meeting)
        except FileRefused as problem:
            form.document.errors = [problem.message]
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "agenda")
        else:
            db.session.commit()
            flash("Agenda saved and marked as sent." if form.send.data else "Agenda saved.", "success")
            return _to_meeting(meeting, "agenda")
    return render_template("meetings/agenda.html", school=school, meeting=meeting, form=form,
                           deadlines=rules.deadlines_for(meeting))


@bp.route("/<int:meeting_id>/agenda/document")
@school_access()
def agenda_document(school, meeting_id):
    meeting = meeting_or_404(school, meeting_id)
    if not meeting.agenda_document_key:
        abort(404)
    return send_document(meeting.agenda_document_key, meeting.agenda_document_name)
