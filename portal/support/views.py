"""Support pages: the LA admin's templates (list, copy a ready-made one, create and change, activities), and a
school's support packages (everyone at the school reads them; the LA admin applies and changes them; the school's
adviser or the LA admin adds bespoke activities and records days used, money spent and activities done)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import clock
from portal.access import la_admin_required, may_manage_support, may_record_support, may_view_school, school_access
from portal.errors_domain import RuleBroken, attach_to_form, rule_for
from portal.extensions import db
from portal.support import bp, rules
from portal.support.forms import ActivityForm, ApplyForm, PackageForm, TemplateActivityForm, TemplateForm, UseForm
from portal.support.models import Payer
from portal.support.money import format_days, format_pence
from portal.templating import govuk_date

bp.app_template_filter("pence")(format_pence)
bp.app_template_filter("days")(format_days)


def _category_choices():
    from portal.categories.schemes import current_version

    version = current_version()
    return [("", "Any category")] + ([(c.key, c.label) for c in version.categories] if version else [])


class _CategoryNames(dict):
    """Category labels by key; a key the scheme in use does not have (a ready-made template's) says so in words."""

    def __missing__(self, key):
        return f"a category the scheme in use does not have ({key})"


def _category_names():
    return _CategoryNames((key, label) for key, label in _category_choices() if key)


def template_or_404(template_id):
    template = rules.load_template(template_id)
    if template is None:
        abort(404)
    return template


# --- templates (LA admin) ----------------------------------------------------------------------

@bp.route("/support-templates")
@la_admin_required
def templates():
    return render_template("support/templates.html", templates=rules.all_templates(), ready_made=rules.ready_made_templates(),
                           categories=_category_names())


@bp.route("/support-templates/ready-made/<int:number>/copy", methods=["POST"])
@la_admin_required
def copy_ready_made(number):
    data = dict(rules.ready_made_templates()).get(number)
    if data is None:
        abort(404)
    try:
        template = rules.copy_ready_made(data)
    except RuleBroken as problem:
        db.session.rollback()
        flash(f"{data['name']} could not be copied: {problem.message}.", "error")
        return redirect(url_for("support.templates"))
    db.session.commit()
    flash(f"{template.name} copied: it is yours to change.", "success")
    return redirect(url_for("support.template_show", template_id=template.id))


@bp.route("/support-templates/new", methods=["GET", "POST"])
@la_admin_required
def template_new():
    return _template_form(None)


@bp.route("/support-templates/<int:template_id>")
@la_admin_required
def template_show(template_id):
    return render_template("support/template.html", template=template_or_404(template_id), categories=_category_names())


@bp.route("/support-templates/<int:template_id>/change", methods=["GET", "POST"])
@la_admin_required
def template_edit(template_id):
    return _template_form(template_or_404(template_id))


def _template_form(template):
    form = TemplateForm(data={"name": template.name, "category_key": template.category_key,
                              "description": template.description} if template else None)
    form.category_key.choices = _category_choices()
    if template and template.category_key and template.category_key not in dict(form.category_key.choices):
        form.category_key.choices.append((template.category_key, f"{template.category_key} (not in the current scheme)"))
    if form.validate_on_submit():
        with rule_for(form, "name") as outcome:
            template = rules.save_template(template, name=form.name.data, category_key=form.category_key.data or "",
                                           description=form.description.data or "")
            db.session.flush()
        if outcome.ok:
            flash(f"{template.name} saved.", "success")
            return redirect(url_for("support.template_show", template_id=template.id))
    return render_template("support/template_form.html", form=form, template=template)


def _activity_fields(form):
    return {"what": form.what.data or "", "purpose": form.purpose.data or "", "offset_count": form.offset_count.data,
            "offset_unit": form.offset_unit.data, "repeat": form.repeat.data, "when_text": form.when_text.data or "",
            "who": form.who.data or "", "days": form.days.data, "cost_pence": form.cost.data, "payer": form.payer.data}


@bp.route("/support-templates/<int:template_id>/activities/new", methods=["GET", "POST"])
@la_admin_required
def template_activity_new(template_id):
    return _template_activity_form(template_or_404(template_id), None)


@bp.route("/support-templates/<int:template_id>/activities/<int:template_activity_id>/change", methods=["GET", "POST"])
@la_admin_required
def template_activity_edit(template_id, template_activity_id):
    template = template_or_404(template_id)
    activity = next((a for a in template.activities if a.id == template_activity_id), None)
    if activity is None:
        abort(404)
    return _template_activity_form(template, activity)


def _template_activity_form(template, activity):
    data = None
    if activity:
        data = {name: getattr(activity, name) for name in rules.ACTIVITY_FIELDS if name not in ("cost_pence",)}
        data["cost"] = activity.cost_pence
    form = TemplateActivityForm(data=data)
    if form.validate_on_submit():
        with rule_for(form, "what") as outcome:
            activity = rules.save_template_activity(template, activity, **_activity_fields(form))
        if outcome.ok:
            flash("Activity saved.", "success")
            return redirect(url_for("support.template_show", template_id=template.id, _anchor=f"activity-{activity.id}"))
    return render_template("support/template_activity_form.html", form=form, template=template, activity=activity)


@bp.route("/support-templates/<int:template_id>/activities/<int:template_activity_id>/remove", methods=["POST"])
@la_admin_required
def template_activity_remove(template_id, template_activity_id):
    template = template_or_404(template_id)
    activity = next((a for a in template.activities if a.id == template_activity_id), None)
    if activity is None:
        abort(404)
    rules.remove_template_activity(template, activity)
    db.session.commit()
    flash("Activity removed from the template. Packages already applied keep theirs.", "success")
    return redirect(url_for("support.template_show", template_id=template.id))


# --- a school's packages -----------------------------------------------------------------------

def package_or_404(school, package_id):
    package = rules.load_package(school, package_id)
    if package is None:
        abort(404)
    return package


def activity_or_404(package, activity_id):
    activity = rules.load_activity(package, activity_id)
    if activity is None:
        abort(404)
    return activity


def _to_package(school, package, activity=None):
    return redirect(url_for("support.index", school_id=school.id,
                            _anchor=f"activity-{activity.id}" if activity else f"package-{package.id}"))


@bp.route("/schools/<int:school_id>/support")
@school_access(may_view_school)
def index(school):
    return render_template("support/index.html", school=school, packages=rules.school_packages(school), today=clock.today())


@bp.route("/schools/<int:school_id>/support/apply", methods=["GET", "POST"])
@school_access(may_manage_support)
def apply(school):
    templates = rules.all_templates()
    form = ApplyForm()
    names = _category_names()
    form.template_id.choices = [(t.id, t.name + (f" (for {names[t.category_key]})" if t.category_key else ""))
                                for t in templates]
    if form.validate_on_submit():
        with rule_for(form, "template_id") as outcome:
            package = rules.apply_template(school, rules.load_template(form.template_id.data), current_user,
                                           trigger_on=form.trigger_on.data, trigger_label=form.trigger_label.data or "",
                                           sla_agreed_on=form.sla_agreed_on.data)
        if outcome.ok:
            flash(f"{package.name} applied: {len(package.activities)} activities.", "success")
            return _to_package(school, package)
    return render_template("support/apply.html", school=school, form=form, templates=templates)


@bp.route("/schools/<int:school_id>/support/<int:package_id>/change", methods=["GET", "POST"])
@school_access(may_manage_support)
def package_edit(school, package_id):
    package = package_or_404(school, package_id)
    form = PackageForm(data={"trigger_label": package.trigger_label, "trigger_on": package.trigger_on,
                             "sla_agreed_on": package.sla_agreed_on})
    if form.validate_on_submit():
        with rule_for(form, "trigger_on") as outcome:
            moved = rules.change_package(package, trigger_on=form.trigger_on.data, trigger_label=form.trigger_label.data or "",
                                         sla_agreed_on=form.sla_agreed_on.data)
        if outcome.ok:
            flash(f"{package.name}: changes saved." + (f" {moved} activit{'y' if moved == 1 else 'ies'} not yet done moved."
                                                      if moved else ""), "success")
            return _to_package(school, package)
    return render_template("support/package_form.html", school=school, form=form, package=package)


@bp.route("/schools/<int:school_id>/support/<int:package_id>/activities/new", methods=["GET", "POST"])
@school_access(may_record_support)
def activity_new(school, package_id):
    package = package_or_404(school, package_id)
    form = ActivityForm(data={"payer": Payer.SCHOOL})
    if form.validate_on_submit():
        with rule_for(form, "what") as outcome:
            activity = rules.add_bespoke_activity(
                package, what=form.what.data or "", purpose=form.purpose.data or "", due_on=form.due_on.data,
                who=form.who.data or "", provider=form.provider.data, provider_name=form.provider_name.data or "",
                days_allocated=form.days_allocated.data, cost_committed_pence=form.cost_committed.data, payer=form.payer.data)
        if outcome.ok:
            flash("Activity added to the package.", "success")
            return _to_package(school, package, activity)
    return render_template("support/activity_form.html", school=school, form=form, package=package, activity=None)


@bp.route("/schools/<int:school_id>/support/<int:package_id>/activities/<int:activity_id>/change", methods=["GET", "POST"])
@school_access(may_manage_support)
def activity_edit(school, package_id, activity_id):
    package = package_or_404(school, package_id)
    activity = activity_or_404(package, activity_id)
    form = ActivityForm(data={"what": activity.what, "purpose": activity.purpose, "due_on": activity.due_on, "who": activity.who,
                              "provider": activity.provider, "provider_name": activity.provider_name,
                              "days_allocated": activity.days_allocated, "cost_committed": activity.cost_committed_pence,
                              "payer": activity.payer})
    if activity.offset_count is not None:
        del form.due_on  # it follows the trigger
    if form.validate_on_submit():
        with rule_for(form, "what") as outcome:
            rules.change_activity(activity, what=form.what.data or "", purpose=form.purpose.data or "", who=form.who.data or "",
                                  provider=form.provider.data, provider_name=form.provider_name.data or "",
                                  days_allocated=form.days_allocated.data, cost_committed_pence=form.cost_committed.data,
                                  payer=form.payer.data, due_on=form.due_on.data if "due_on" in form else None)
        if outcome.ok:
            flash("Activity saved.", "success")
            return _to_package(school, package, activity)
    return render_template("support/activity_form.html", school=school, form=form, package=package, activity=activity)


@bp.route("/schools/<int:school_id>/support/<int:package_id>/activities/<int:activity_id>/record", methods=["GET", "POST"])
@school_access(may_record_support)
def activity_record(school, package_id, activity_id):
    package = package_or_404(school, package_id)
    activity = activity_or_404(package, activity_id)
    form = UseForm(data={"days_used": activity.days_used, "cost_spent": activity.cost_spent_pence, "done_on": activity.done_on})
    over = False
    if form.validate_on_submit():
        followed_by = activity.later_occurrence
        try:
            rules.record_use(activity, days_used=form.days_used.data, cost_spent_pence=form.cost_spent.data,
                             done_on=form.done_on.data, confirm_over=form.confirm_over.data)
        except RuleBroken as problem:
            db.session.rollback()
            over = problem.field == "confirm_over"
            attach_to_form(form, problem, "days_used")
        else:
            added = activity.later_occurrence if activity.later_occurrence is not followed_by else None
            db.session.commit()
            flash("Saved." + (" More days were used than allocated." if activity.over_allocation else "")
                  + (f" The next occurrence is due {govuk_date(added.due_on)}." if added else ""), "success")
            return _to_package(school, package, added or activity)
    over = over or (form.days_used.data is not None and form.days_used.data > activity.days_allocated)
    return render_template("support/record_form.html", school=school, form=form, package=package, activity=activity, over=over)


@bp.route("/schools/<int:school_id>/support/<int:package_id>/activities/<int:activity_id>/stop-repeating", methods=["POST"])
@school_access(may_manage_support)
def activity_stop_repeating(school, package_id, activity_id):
    """The LA admin stops a repeating activity: no further occurrence is added (a one-button form: writes never on GET)."""
    package = package_or_404(school, package_id)
    activity = activity_or_404(package, activity_id)
    try:
        latest = rules.stop_repeating(activity)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return _to_package(school, package, activity)
    db.session.commit()
    flash(f"{latest.what}: repeating stopped. No further occurrence will be added.", "success")
    return _to_package(school, package, latest)
