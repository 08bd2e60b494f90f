"""The LA admin's pages for category schemes: ready-made schemes, categories, indicators, the letter, versions."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import la_admin_required
from portal.categories import bp
from portal.charts import category_movements
from portal.categories.forms import CategoryForm, CopyForm, IndicatorForm, LetterForm, PublishForm, SchemeForm
from portal.categories.models import CategorisationRound, Category, CategoryScheme, Indicator, IndicatorSource
from portal.categories.rules import all_rounds, open_round
from portal.categories.schemes import (
    LETTER_PLACEHOLDERS,
    copy_version,
    draft_next_version,
    load_version,
    make_current,
    make_scheme,
    move,
    publish,
    ready_made,
    ready_made_schemes,
    remove,
    save_category,
    save_indicator,
    save_letter,
    scheme_from_data,
)
from portal.errors_domain import RuleBroken, rule_for
from portal.extensions import db
from portal.versioning import locked_redirect


def _version_or_404(scheme_version_id):
    version = load_version(scheme_version_id)
    if version is None:
        abort(404)
    return version


def _to_version(version):
    return redirect(url_for("categories.version_show", scheme_version_id=version.id))


def _locked(version):
    """A redirect to the version page, with why, when the version is not a draft; else None."""
    return locked_redirect(version, url_for("categories.version_show", scheme_version_id=version.id))


def _try(form, default_field, change, done):
    """Run a rule for the form; on success return ``done(result)``, on refusal None (the form shows why)."""
    with rule_for(form, default_field) as outcome:
        result = change()
    return done(result) if outcome.ok else None


@bp.route("")
@la_admin_required
def index():
    schemes = db.session.scalars(select(CategoryScheme).options(selectinload(CategoryScheme.versions))
                                 .order_by(CategoryScheme.is_current.desc(), CategoryScheme.name)).all()
    used = set(db.session.scalars(select(CategorisationRound.version_id).distinct()))
    return render_template("categories/index.html", schemes=schemes, ready_made=ready_made_schemes(), used=used,
                           rounds=all_rounds(), open_round=open_round(), movements=category_movements())


@bp.route("/schemes/new", methods=["GET", "POST"])
@la_admin_required
def scheme_new():
    form = SchemeForm()
    if form.validate_on_submit():
        done = _try(form, "name", lambda: make_scheme(form.name.data, form.description.data or ""),
                    lambda scheme: _to_version(scheme.versions[0]))
        if done:
            return done
    return render_template("categories/scheme_form.html", form=form)


@bp.route("/ready-made/<int:number>", methods=["GET", "POST"])
@la_admin_required
def ready_made_copy(number):
    """Copy the ``number``-th ready-made scheme (1 is the neutral default) into a draft of the LA's own."""
    schemes = ready_made_schemes()
    if not 1 <= number <= len(schemes):
        abort(404)
    slug, data = schemes[number - 1]
    form = CopyForm(data={"name": data["name"]} if request.method == "GET" else None)
    if form.validate_on_submit():
        done = _try(form, "name", lambda: scheme_from_data(ready_made(slug), form.name.data),
                    lambda scheme: _copied(scheme))
        if done:
            return done
    return render_template("categories/copy_form.html", form=form, source=data, source_label="a ready-made scheme")


@bp.route("/versions/<int:scheme_version_id>/copy", methods=["GET", "POST"])
@la_admin_required
def version_copy(scheme_version_id):
    version = _version_or_404(scheme_version_id)
    form = CopyForm(data={"name": f"Copy of {version.scheme.name}"} if request.method == "GET" else None)
    if form.validate_on_submit():
        done = _try(form, "name", lambda: copy_version(version, form.name.data), _copied)
        if done:
            return done
    source = {"name": version.label, "description": version.scheme.description, "categories": version.categories}
    return render_template("categories/copy_form.html", form=form, source=source, source_label=version.label)


def _copied(scheme):
    flash(f"{scheme.name} is ready to change. Publish it, then use it for rounds.", "success")
    return _to_version(scheme.versions[0])


@bp.route("/versions/<int:scheme_version_id>")
@la_admin_required
def version_show(scheme_version_id):
    version = _version_or_404(scheme_version_id)
    in_use = db.session.scalar(select(CategorisationRound.id).where(CategorisationRound.version_id == version.id).limit(1))
    return render_template("categories/version.html", version=version, in_use=in_use is not None,
                           publish_form=PublishForm(), placeholders=LETTER_PLACEHOLDERS)


# --- categories ------------------------------------------------------------------------------------

def _category_or_404(version, category_id):
    category = db.session.get(Category, category_id)
    if category is None or category.version_id != version.id:
        abort(404)
    return category


def _category_page(version, category):
    locked = _locked(version)
    if locked:
        return locked
    form = CategoryForm(obj=category) if request.method == "GET" and category else CategoryForm()
    if form.validate_on_submit():
        fields = {name: form[name].data for name in ("code", "name", "description", "colour", "support_level",
                                                     "plan_required", "review_meetings", "support_package",
                                                     "requires_intervention")}
        done = _try(form, "name", lambda: save_category(version, category, **fields), lambda _: _to_version(version))
        if done:
            return done
    return render_template("categories/category_form.html", form=form, version=version, category=category)


@bp.route("/versions/<int:scheme_version_id>/categories/new", methods=["GET", "POST"])
@la_admin_required
def category_new(scheme_version_id):
    return _category_page(_version_or_404(scheme_version_id), None)


@bp.route("/versions/<int:scheme_version_id>/categories/<int:category_id>", methods=["GET", "POST"])
@la_admin_required
def category_edit(scheme_version_id, category_id):
    version = _version_or_404(scheme_version_id)
    return _category_page(version, _category_or_404(version, category_id))


@bp.route("/versions/<int:scheme_version_id>/categories/<int:category_id>/remove", methods=["POST"])
@la_admin_required
def category_remove(scheme_version_id, category_id):
    version = _version_or_404(scheme_version_id)
    return _remove(version, version.categories, _category_or_404(version, category_id))


@bp.route("/versions/<int:scheme_version_id>/categories/<int:category_id>/move-<int:down>", methods=["POST"])
@la_admin_required
def category_move(scheme_version_id, category_id, down):
    version = _version_or_404(scheme_version_id)
    return _move(version, version.categories, _category_or_404(version, category_id), down)


def _remove(version, rows, row):
    locked = _locked(version)
    if locked:
        return locked
    remove(version, rows, row)
    db.session.commit()
    flash(f"{row.name} has been removed from this draft.", "success")
    return _to_version(version)


def _move(version, rows, row, down):
    locked = _locked(version)
    if locked:
        return locked
    move(version, rows, row, 1 if down else -1)
    db.session.commit()
    return _to_version(version)


# --- indicators ------------------------------------------------------------------------------------

def _indicator_or_404(version, indicator_id):
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.version_id != version.id:
        abort(404)
    return indicator


def _indicator_page(version, indicator):
    locked = _locked(version)
    if locked:
        return locked
    if request.method == "GET" and indicator:
        form = IndicatorForm(data={"name": indicator.name, "guidance_red": indicator.guidance_red,
                                   "guidance_amber": indicator.guidance_amber, "guidance_green": indicator.guidance_green,
                                   "source": indicator.source.value,
                                   "higher_is_better": "higher" if indicator.higher_is_better else "lower",
                                   "green_from": indicator.green_from, "red_from": indicator.red_from})
    else:
        form = IndicatorForm()
    if form.validate_on_submit():
        fields = dict(name=form.name.data, guidance_red=form.guidance_red.data or "",
                      guidance_amber=form.guidance_amber.data or "", guidance_green=form.guidance_green.data or "",
                      source=IndicatorSource(form.source.data), higher_is_better=form.higher_is_better.data != "lower",
                      green_from=form.green_from.data, red_from=form.red_from.data)
        done = _try(form, "name", lambda: save_indicator(version, indicator, **fields), lambda _: _to_version(version))
        if done:
            return done
    return render_template("categories/indicator_form.html", form=form, version=version, indicator=indicator)


@bp.route("/versions/<int:scheme_version_id>/indicators/new", methods=["GET", "POST"])
@la_admin_required
def indicator_new(scheme_version_id):
    return _indicator_page(_version_or_404(scheme_version_id), None)


@bp.route("/versions/<int:scheme_version_id>/indicators/<int:indicator_id>", methods=["GET", "POST"])
@la_admin_required
def indicator_edit(scheme_version_id, indicator_id):
    version = _version_or_404(scheme_version_id)
    return _indicator_page(version, _indicator_or_404(version, indicator_id))


@bp.route("/versions/<int:scheme_version_id>/indicators/<int:indicator_id>/remove", methods=["POST"])
@la_admin_required
def indicator_remove(scheme_version_id, indicator_id):
    version = _version_or_404(scheme_version_id)
    return _remove(version, version.indicators, _indicator_or_404(version, indicator_id))


@bp.route("/versions/<int:scheme_version_id>/indicators/<int:indicator_id>/move-<int:down>", methods=["POST"])
@la_admin_required
def indicator_move(scheme_version_id, indicator_id, down):
    version = _version_or_404(scheme_version_id)
    return _move(version, version.indicators, _indicator_or_404(version, indicator_id), down)


# --- the letter, publishing, the scheme in use ------------------------------------------------------

@bp.route("/versions/<int:scheme_version_id>/letter", methods=["GET", "POST"])
@la_admin_required
def letter_edit(scheme_version_id):
    version = _version_or_404(scheme_version_id)
    locked = _locked(version)
    if locked:
        return locked
    form = LetterForm(obj=version) if request.method == "GET" else LetterForm()
    if form.validate_on_submit():
        done = _try(form, "letter_body", lambda: save_letter(version, subject=form.letter_subject.data,
                                                              body=form.letter_body.data),
                    lambda _: _to_version(version))
        if done:
            return done
    return render_template("categories/letter_form.html", form=form, version=version, placeholders=LETTER_PLACEHOLDERS)


@bp.route("/versions/<int:scheme_version_id>/publish", methods=["POST"])
@la_admin_required
def version_publish(scheme_version_id):
    version = _version_or_404(scheme_version_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            publish(version, form.change_note.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            flash(problem.message, "error")
        else:
            db.session.commit()
            flash(f"Version {version.number} of {version.scheme.name} is published.", "success")
    else:
        flash(" ".join(error for errors in form.errors.values() for error in errors), "error")
    return _to_version(version)


@bp.route("/schemes/<int:scheme_id>/draft", methods=["POST"])
@la_admin_required
def scheme_draft(scheme_id):
    scheme = db.session.get(CategoryScheme, scheme_id) or abort(404)
    try:
        draft = draft_next_version(scheme)
    except RuleBroken as problem:
        flash(problem.message, "error")
        return redirect(url_for("categories.index"))
    db.session.commit()
    flash(f"Version {draft.number} is a draft copy of the latest version: change it, then publish it.", "success")
    return _to_version(draft)


@bp.route("/schemes/<int:scheme_id>/use", methods=["POST"])
@la_admin_required
def scheme_use(scheme_id):
    scheme = db.session.get(CategoryScheme, scheme_id) or abort(404)
    try:
        make_current(scheme)
    except RuleBroken as problem:
        flash(problem.message, "error")
    else:
        db.session.commit()
        flash(f"{scheme.name} is now the scheme in use: new rounds and changes use it.", "success")
    return redirect(url_for("categories.index"))
