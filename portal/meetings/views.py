"""Review meeting pages: schedule (one or a year's worth), reschedule, cancel, agenda, review, invitation."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import may_run_reviews, school_access
from portal.documents import send_document, store_document
from portal.retention.rules import removed_page
from portal.evidence.files import FileRefused
from portal.errors_domain import RuleBroken, attach_to_form, rule_for
from portal.evidence.streamed import keeps_uploaded_files
from portal.extensions import db
from portal.notices import events as notices
from portal.meetings import bp, rules
from portal.meetings import kinds as meeting_kinds
from portal.meetings import year as meeting_year
from portal.meetings.forms import (AgendaForm, CancelForm, MeetingForm, RescheduleForm, YearChoiceForm,
                                   schedule_year_form)
from portal.meetings.models import Rhythm
from portal.plans.rules import school_plans
from portal.terms.rules import academic_years, closure_days, term_calendar
from portal import clock
from portal.page_cache import kept_page


def meeting_or_404(school, meeting_id, loader=rules.load_meeting):
    meeting = loader(school, meeting_id)
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
    form.kind.choices = [(kind.key, kind.name) for kind in meeting_kinds.active_kinds()]
    plans = _plan_choices(form, school, allow_none=True)
    if form.validate_on_submit():
        try:
            meeting = rules.schedule_meeting(
                school, current_user, kind=form.kind.data, meets_on=form.meets_on.data,
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


def _year_choice(school, today):
    """The year, kind and rhythm to propose: from the query string (or the posted form), else the school's category's
    first rhythm, else RAP reviews half-termly. Returns (choice form, year, kind, rhythm, category entry, rhythms)."""
    years = [y for y in academic_years() if y.half_terms and y.half_terms[-1].ends_on >= today]
    rhythms, entry = meeting_kinds.rhythms_for_school(school)
    active = {kind.key: kind for kind in meeting_kinds.active_kinds()}
    form = YearChoiceForm(request.args)
    form.kind.choices = [(key, kind.name) for key, kind in active.items()]
    form.year.choices = [(str(y.start_year), y.label) for y in sorted(years, key=lambda y: y.start_year)]
    given = request.values
    kind = active.get(given.get("kind")) or (rhythms[0][0] if rhythms else active.get(meeting_kinds.DEFAULT_KEY))
    category_rhythm = next((rhythm for k, rhythm in rhythms if kind is not None and k.id == kind.id), Rhythm.HALF_TERMLY)
    rhythm = Rhythm(given["rhythm"]) if given.get("rhythm") in {r.value for r in Rhythm} else category_rhythm
    year = next((y for y in years if str(y.start_year) == given.get("year")), None) or \
        next((y for y in years if y.starts_on <= today <= y.ends_on), years[0] if years else None)
    form.kind.data, form.rhythm.data = kind.key if kind else None, rhythm.value
    form.year.data = str(year.start_year) if year else None
    return form, year, kind, rhythm, entry, rhythms


@bp.route("/schedule-year", methods=["GET", "POST"])
@school_access(may_run_reviews)
def schedule_year(school):
    """A year of meetings in the rhythm the school's category holds them (or one chosen here)."""
    today = clock.today()
    choice, year, kind, rhythm, entry, rhythms = _year_choice(school, today)
    if year is None or kind is None:
        flash("Term dates for this academic year have not been entered yet: ask your LA admin.", "info")
        return redirect(url_for("meetings.index", school_id=school.id))
    closures = closure_days()
    calendar = term_calendar()
    slots = meeting_year.still_to_come(meeting_year.slots_for(year, rhythm, calendar, closures), today, calendar, closures)
    held = [m for m in rules.school_meetings(school) if m.kind_key == kind.key and not m.is_cancelled]
    booked = {slot.key: next(m for m in held if slot.covers(m)) for slot in slots if any(slot.covers(m) for m in held)}
    open_slots = [slot for slot in slots if slot.key not in booked]
    form = schedule_year_form(open_slots, kind, rhythm, year)
    plans = _plan_choices(form, school, allow_none=not kind.reviews_plan)
    needs_plan = kind.reviews_plan and not plans  # the page says so, and another kind can still be chosen
    if not kind.reviews_plan:
        form.plan_id.label.text = "Plan the meetings look at (optional)"
    if not needs_plan and form.validate_on_submit():
        with rule_for(form, "date_" + open_slots[0].key if open_slots else "plan_id") as outcome:
            created = meeting_year.schedule_year(
                school, current_user, kind=kind, plan=plans.get(form.plan_id.data),
                slots_and_dates=[(slot, form[f"date_{slot.key}"].data) for slot in open_slots],
                starts_at=form.starts_at.data, ends_at=form.ends_at.data, place=form.place.data or "",
                chair=form.chair.data or "", holidays_confirmed=form.book_in_holidays.data)
            db.session.flush()
            notices.year_scheduled(school, created, current_user)
        if outcome.ok:
            flash(f"{len(created)} meeting{'s' if len(created) != 1 else ''} scheduled for {year.label}: {kind.name}, "
                  f"{rhythm.label.lower()}." if created else f"Every part of {year.label} already has a {kind.name}.",
                  "success")
            return redirect(url_for("meetings.index", school_id=school.id))
    return render_template("meetings/schedule_year.html", school=school, form=form, choice=choice, year=year, kind=kind,
                           rhythm=rhythm, entry=entry, rhythms=rhythms, slots=slots, booked=booked, open_slots=open_slots,
                           needs_plan=needs_plan)


@bp.route("/<int:meeting_id>")
@school_access()
@kept_page
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
@keeps_uploaded_files
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
    return removed_page(meeting.agenda_document_key, meeting.agenda_document_name) or send_document(meeting.agenda_document_key, meeting.agenda_document_name)
