"""The LA admin's kinds of meeting (with their own deadlines) and the meetings each category holds, how often."""

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm as EmptyForm

from portal.access import la_admin_required
from portal.categories.schemes import current_version
from portal.errors_domain import RuleBroken, rule_for
from portal.extensions import db
from portal.meetings import kinds as rules
from portal.meetings import kinds_bp as bp
from portal.meetings.forms import MeetingTypeForm, rhythms_form
from portal.meetings.models import MeetingType, Rhythm
from portal.terms.rules import deadline_settings


def kind_or_404(meeting_type_id):
    kind = db.session.get(MeetingType, meeting_type_id)
    if kind is None:
        abort(404)
    return kind


@bp.route("")
@la_admin_required
def index():
    return render_template("meetings/kinds.html", kinds=rules.all_kinds(), settings=deadline_settings(), form=EmptyForm())


@bp.route("/new", methods=["GET", "POST"])
@la_admin_required
def new():
    return _kind_form(None)


@bp.route("/<int:meeting_type_id>", methods=["GET", "POST"])
@la_admin_required
def edit(meeting_type_id):
    return _kind_form(kind_or_404(meeting_type_id))


def _kind_form(kind):
    form, settings = MeetingTypeForm(obj=kind), deadline_settings()
    for name in ("agenda_days", "evidence_days", "minutes_days"):
        form[name].description = f"Leave blank to use the LA's deadline: {getattr(settings, name)} working days."
    if form.validate_on_submit():
        with rule_for(form, "name") as outcome:
            saved = rules.save_kind(kind, name=form.name.data, description=form.description.data or "",
                                    reviews_plan=form.reviews_plan.data, agenda_days=form.agenda_days.data,
                                    evidence_days=form.evidence_days.data, minutes_days=form.minutes_days.data)
        if outcome.ok:
            flash(f"{saved.name} saved.", "success")
            return redirect(url_for("meeting_kinds.index", _anchor=f"kind-{saved.id}"))
    return render_template("meetings/kind_form.html", form=form, kind=kind)


@bp.route("/<int:meeting_type_id>/retire", methods=["POST"])
@la_admin_required
def retire(meeting_type_id):
    """Retire a kind no longer used, or bring it back."""
    kind = kind_or_404(meeting_type_id)
    if EmptyForm().validate_on_submit():
        try:
            rules.set_active(kind, not kind.active)
        except RuleBroken as problem:
            db.session.rollback()
            flash(problem.message, "error")
        else:
            db.session.commit()
            flash(f"{kind.name} is offered again." if kind.active else
                  f"{kind.name} retired: meetings already booked keep it; no category holds it now.", "success")
    return redirect(url_for("meeting_kinds.index", _anchor=f"kind-{kind.id}"))


@bp.route("/by-category", methods=["GET", "POST"])
@la_admin_required
def by_category():
    """Which meetings each category of the scheme in use holds, and how often: "schedule the year" follows it."""
    version = current_version()
    if version is None:
        return render_template("meetings/by_category.html", version=None)
    categories, kinds = sorted(version.categories, key=lambda c: c.position), rules.active_kinds()
    form = rhythms_form(categories, kinds, rules.rhythms_of_scheme(version.scheme_id))
    if form.validate_on_submit():
        wanted = {(category.key, kind.id): Rhythm(value) if (value := form[f"rhythm_{category.id}_{kind.id}"].data) else None
                  for category in categories for kind in kinds}
        with rule_for(form, "save") as outcome:
            changed = rules.save_rhythms(version.scheme_id, categories, kinds, wanted)
        if outcome.ok:
            flash(f"Meetings by category saved ({changed} change{'s' if changed != 1 else ''}).", "success")
            return redirect(url_for("meeting_kinds.by_category"))
    return render_template("meetings/by_category.html", version=version, categories=categories, kinds=kinds, form=form)
