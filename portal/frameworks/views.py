"""The LA admin's pages for grading scales and self-evaluation frameworks.

Every decision is a rule in ``portal.frameworks.rules``: the views only read forms,
call a rule, commit, and show what the rule refused.
"""

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import la_admin_required
from portal.errors_domain import RuleBroken, attach_to_form
from portal.versioning import locked_redirect
from portal.extensions import db
from portal.frameworks import bp
from portal.frameworks.forms import GRADE_ROWS, ScaleForm, area_form, change_scale_form, framework_form, publish_form
from portal.frameworks.models import EvaluationArea, Framework, GradingScale, VersionStatus
from portal.frameworks.ready_made import READY_MADE_SCALES, ensure_ready_made_scales
from portal.self_evaluation.models import SelfEvaluation
from portal.frameworks.rules import (
    change_scale,
    draft_next_version,
    load_version,
    make_current,
    make_framework,
    make_scale,
    publish,
    remove_area,
    save_area,
    version_in_use,
)


def _scales():
    return db.session.scalars(select(GradingScale).options(selectinload(GradingScale.grades)).order_by(GradingScale.name)).all()


def _version_or_404(version_id):
    version = load_version(version_id)
    if version is None:
        abort(404)
    return version


def _area_or_404(version, area_id):
    area = db.session.get(EvaluationArea, area_id)
    if area is None or area.version_id != version.id:
        abort(404)
    return area


def _to_version(version):
    return redirect(url_for("frameworks.version_show", version_id=version.id))


def _locked(version):
    """A redirect to the version page, with why, when the version is not a draft; else None."""
    return locked_redirect(version, url_for("frameworks.version_show", version_id=version.id))


# --- lists --------------------------------------------------------------------------

@bp.route("")
@la_admin_required
def index():
    frameworks = db.session.scalars(select(Framework).options(selectinload(Framework.versions)).order_by(Framework.name)).all()
    scales = _scales()
    in_use = set(db.session.scalars(select(SelfEvaluation.version_id).distinct()))
    have = {scale.name for scale in scales}
    missing_ready_made = [name for name, _, _ in READY_MADE_SCALES if name not in have]
    return render_template("frameworks/index.html", frameworks=frameworks, scales=scales, in_use=in_use,
                           missing_ready_made=missing_ready_made)


# --- grading scales -----------------------------------------------------------------

@bp.route("/scales/new", methods=["GET", "POST"])
@la_admin_required
def scale_new():
    form = ScaleForm()
    if form.validate_on_submit():
        try:
            scale = make_scale(form.name.data, form.filled_rows(), form.description.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "grade_1_name")
        else:
            db.session.commit()
            flash(f"The grading scale {scale.name} has been added.", "success")
            return redirect(url_for("frameworks.index"))
    return render_template("frameworks/scale_form.html", form=form, rows=range(1, GRADE_ROWS + 1))


@bp.route("/scales/ready-made", methods=["POST"])
@la_admin_required
def ready_made_scales():
    ensure_ready_made_scales()
    db.session.commit()
    flash("The ready-made grading scales have been added.", "success")
    return redirect(url_for("frameworks.index"))


# --- frameworks ---------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@la_admin_required
def framework_new():
    scales = _scales()
    form = framework_form(scales)
    if form.validate_on_submit():
        scale = db.session.get(GradingScale, form.scale_id.data)
        try:
            framework = make_framework(form.name.data, scale, form.description.data or "", form.has_safeguarding.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "name")
        else:
            db.session.commit()
            flash(f"{framework.name} has been added. Now add its areas.", "success")
            return _to_version(framework.versions[0])
    return render_template("frameworks/framework_form.html", form=form, scales=scales)


@bp.route("/<int:framework_id>/draft", methods=["POST"])
@la_admin_required
def framework_draft(framework_id):
    framework = db.get_or_404(Framework, framework_id)
    try:
        draft = draft_next_version(framework)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        framework = db.session.get(Framework, framework_id)
        return _to_version(framework.draft_version or framework.versions[-1])
    db.session.commit()
    flash(f"Version {draft.number} has been started as a draft. Change it, then publish it.", "success")
    return _to_version(draft)


@bp.route("/<int:framework_id>/make-current", methods=["POST"])
@la_admin_required
def framework_make_current(framework_id):
    framework = db.get_or_404(Framework, framework_id)
    try:
        make_current(framework)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return _to_version(db.session.get(Framework, framework_id).versions[-1])
    db.session.commit()
    flash(f"New self-evaluations will use {framework.published_version.label}.", "success")
    return _to_version(framework.published_version)


# --- versions -----------------------------------------------------------------------

def _render_version(version, scale_form=None, publish_form_=None):
    """The version page; a form passed in (with errors) replaces the blank one."""
    editable = version.status == VersionStatus.DRAFT
    scales = _scales() if editable else []
    forms = {
        "scale_form": scale_form or (change_scale_form(version, scales, submitted=False) if editable else None),
        "publish_form": publish_form_ or (publish_form(submitted=False) if editable else None),
    }
    with_errors = next((f for f in (scale_form, publish_form_) if f is not None and f.errors), None)
    return render_template("frameworks/version.html", version=version, framework=version.framework, editable=editable,
                           in_use=version_in_use(version), form=with_errors, **forms)


@bp.route("/versions/<int:version_id>")
@la_admin_required
def version_show(version_id):
    return _render_version(_version_or_404(version_id))


@bp.route("/versions/<int:version_id>/scale", methods=["POST"])
@la_admin_required
def version_scale(version_id):
    version = _version_or_404(version_id)
    if (refusal := _locked(version)) is not None:
        return refusal
    form = change_scale_form(version, _scales())
    if form.validate_on_submit():
        scale = db.session.get(GradingScale, form.scale_id.data)
        unchanged = scale.id == version.scale_id
        try:
            change_scale(version, scale)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "scale_id")
        else:
            db.session.commit()
            flash(f"Version {version.number} already uses {scale.name}." if unchanged
                  else f"Version {version.number} now uses {scale.name}. Write the areas' descriptors for its grades.", "success")
            return _to_version(version)
    return _render_version(_version_or_404(version_id), scale_form=form)


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@la_admin_required
def version_publish(version_id):
    version = _version_or_404(version_id)
    if (refusal := _locked(version)) is not None:
        return refusal
    form = publish_form()
    if form.validate_on_submit():
        try:
            publish(version, form.change_note.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "change_note")
        else:
            db.session.commit()
            message = f"Version {version.number} of {version.framework.name} is published."
            if not version.framework.is_current:
                message += " Make it the framework for new self-evaluations when you are ready."
            flash(message, "success")
            return _to_version(version)
    return _render_version(_version_or_404(version_id), publish_form_=form)


# --- areas --------------------------------------------------------------------------

def _area_page(version_id, area_id=None):
    version = _version_or_404(version_id)
    area = _area_or_404(version, area_id) if area_id is not None else None
    if (refusal := _locked(version)) is not None:
        return refusal
    form = area_form(version, area)
    if form.validate_on_submit():
        try:
            saved = save_area(version, area, key=form.key.data, title=form.title.data, criteria=form.criteria.data or "",
                              phases=form.phases.data or [], descriptors=form.descriptors(),
                              needs_sixth_form=form.needs_sixth_form.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "title")
            version = _version_or_404(version_id)
            area = db.session.get(EvaluationArea, area_id) if area_id is not None else None
        else:
            db.session.commit()
            flash(f"{saved.title} has been {'saved' if area else 'added'}.", "success")
            return _to_version(version)
    return render_template("frameworks/area_form.html", form=form, version=version, area=area)


@bp.route("/versions/<int:version_id>/areas/new", methods=["GET", "POST"])
@la_admin_required
def area_new(version_id):
    return _area_page(version_id)


@bp.route("/versions/<int:version_id>/areas/<int:area_id>", methods=["GET", "POST"])
@la_admin_required
def area_edit(version_id, area_id):
    return _area_page(version_id, area_id)


@bp.route("/versions/<int:version_id>/areas/<int:area_id>/remove", methods=["POST"])
@la_admin_required
def area_remove(version_id, area_id):
    version = _version_or_404(version_id)
    area = _area_or_404(version, area_id)
    title = area.title
    try:
        remove_area(version, area)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return _to_version(version)
    db.session.commit()
    flash(f"{title} has been removed from version {version.number}.", "success")
    return _to_version(version)
