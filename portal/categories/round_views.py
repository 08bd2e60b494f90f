"""Categorisation rounds: the LA admin starts, moderates and publishes; advisers propose for their schools."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import clock
from portal.access import advisers_and_la_admin, is_la_admin, la_admin_required, may_propose_category, may_see_proposal, school_access
from portal.categories import bp, notify
from portal.categories.forms import ModerateForm, PublishRoundForm, ReopenForm, RoundForm, proposal_form
from portal.categories.models import Rating
from portal.categories.paging import ListPagination, ReadPagination
from portal.categories.rules import (
    MODERATION_STATES,
    agree,
    change,
    filter_rows,
    load_round,
    moderation_rows,
    proposal_for,
    publish_round,
    reopen,
    round_counts,
    save_proposal,
    start_round,
    unmoderated,
)
from portal.categories.signals import signals_for, suggest
from portal.errors_domain import RuleBroken, attach_to_form, rule_for
from portal.exports import filters_in_words, table_response
from portal.extensions import db, htmx
from portal.schools.models import PHASES, Role, School, SchoolRole
from portal.schools.rules import in_name_order, load_people, name_order_of
from portal.page_cache import kept_page


def _by_name(row):
    return name_order_of(row.school)


SORTS = {
    "name": _by_name,
    "category": lambda row: (row.shown is None, -(row.shown.position if row.shown else 0), *_by_name(row)),
    "movement": lambda row: ({"up": 0, "new": 1, "down": 2, "same": 3}.get(row.movement.word if row.movement else "", 4),
                             *_by_name(row)),
    "red": lambda row: (-(row.red_count or 0), *_by_name(row)),
    "state": lambda row: (list(MODERATION_STATES).index(row.state), *_by_name(row)),
}
# Filters that need each school's row worked out (proposal, history): the others are asked of the schools in SQL.
ROW_FILTERS = ("category", "movement", "state", "red")


def _round_or_404(round_id):
    categorisation_round = load_round(round_id)
    if categorisation_round is None:
        abort(404)
    return categorisation_round


@bp.route("/rounds/new", methods=["GET", "POST"])
@la_admin_required
def round_new():
    form = RoundForm()
    if form.validate_on_submit():
        with rule_for(form, "name") as outcome:
            categorisation_round = start_round(name=form.name.data, opens_on=form.opens_on.data,
                                               proposals_due_on=form.proposals_due_on.data,
                                               moderation_on=form.moderation_on.data)
        if outcome.ok:
            flash(f"{categorisation_round.name} is open: advisers can propose a category for each of their schools.", "success")
            return redirect(url_for("categories.moderation", round_id=categorisation_round.id))
    return render_template("categories/round_form.html", form=form)


# --- moderation (the LA admin) ----------------------------------------------------------------------

def _schools_for_moderation(args):
    """Active schools filtered in SQL by name or URN, phase and adviser; their people are loaded for the rows shown
    (``load_people``)."""
    return db.session.scalars(_moderated_schools(args).order_by(*in_name_order())).all()


def _moderated_schools(args):
    """A select of the active schools the filters on schools (name or URN, phase, adviser) keep."""
    query = select(School).where(School.active.is_(True))
    search = args.get("q", "").strip()
    if search:
        query = query.where(or_(School.name.ilike(f"%{search}%"),
                                School.urn == int(search) if search.isdigit() else False))
    if args.get("phase"):
        query = query.where(School.phase == args["phase"])
    if args.get("adviser", "").isdigit():
        advised = select(SchoolRole.school_id).where(SchoolRole.role == Role.ADVISER, SchoolRole.user_id == int(args["adviser"]))
        query = query.where(School.id.in_(advised))
    return query


def _advisers():
    from portal.auth.models import User

    return db.session.scalars(select(User).join(SchoolRole, SchoolRole.user_id == User.id)
                              .where(SchoolRole.role == Role.ADVISER).distinct().order_by(User.name)).all()


def _filters(categorisation_round):
    """(name, label, [(value, text)]) for each filter of the moderation table."""
    return [
        ("phase", "Phase", [("", "Any phase")] + [(phase, phase) for phase in PHASES]),
        ("adviser", "Adviser", [("", "Any adviser")] + [(str(user.id), user.name) for user in _advisers()]),
        ("category", "Category", [("", "Any category")] + [(c.key, c.label) for c in categorisation_round.version.categories]),
        ("movement", "Movement", [("", "Any"), ("up", "More support"), ("down", "Less support"), ("same", "No change"),
                                  ("new", "First category")]),
        ("state", "Status", [("", "Any status")] + list(MODERATION_STATES.items())),
        ("sort", "Sort by", [("name", "School name"), ("category", "Category (most support first)"), ("movement", "Movement"),
                             ("red", "Most red indicators"), ("state", "Status")]),
    ]


def _moderation_table(categorisation_round, args):
    rows = moderation_rows(categorisation_round, _schools_for_moderation(args))
    rows = filter_rows(rows, category_key=args.get("category", ""), movement_word=args.get("movement", ""),
                       state=args.get("state", ""), red=args.get("red", ""))
    rows.sort(key=SORTS.get(args.get("sort"), SORTS["name"]))
    return rows


def _moderation_page(categorisation_round, args, page_number, per_page):
    """The page asked for of the moderation table. In the usual view (by name, filtered at most by name, phase or
    adviser) the schools are counted and cut in SQL and only the page's rows are worked out; other filters and
    sorts work out every school's row first."""
    if args.get("sort", "name") in ("", "name") and not any(args.get(key) for key in ROW_FILTERS):
        schools = _moderated_schools(args)
        total = db.session.scalar(select(func.count()).select_from(schools.subquery()))

        def read(offset, limit):
            return moderation_rows(categorisation_round, db.session.scalars(
                schools.order_by(*in_name_order()).offset(offset).limit(limit)).all())

        return ReadPagination(read, total, page_number, per_page)
    return ListPagination(_moderation_table(categorisation_round, args), page_number, per_page)


MODERATION_COLUMNS = ["School", "URN", "Phase", "Adviser", "Last category", "Proposed", "Adviser's reason", "Decided",
                      "LA's reason", "Movement", "Red indicators", "Status"]


def _moderation_export(round_id, kind):
    categorisation_round = _round_or_404(round_id)
    rows = _moderation_table(categorisation_round, request.args)
    named = filters_in_words(request.args, [("q", "Name or URN", [])] + _filters(categorisation_round))

    def values(row):
        proposal = row.proposal
        sent = proposal is not None and proposal.proposed_at is not None
        return [row.school.name, row.school.urn, row.school.phase, ", ".join(a.name for a in row.school.advisers),
                row.last.category.label if row.last else "", proposal.proposed_category.label if sent and proposal.proposed_category else "",
                proposal.reason if sent else "", row.decided.label if row.decided else "",
                proposal.moderation_reason if proposal is not None else "", row.movement.label if row.movement else "",
                row.red_count, MODERATION_STATES[row.state]]

    load_people([row.school for row in rows])
    return table_response(kind, f"{categorisation_round.name} moderation", named, MODERATION_COLUMNS,
                          [values(row) for row in rows])


@bp.route("/rounds/<int:round_id>/moderation.csv")
@la_admin_required
def moderation_csv(round_id):
    return _moderation_export(round_id, "csv")


@bp.route("/rounds/<int:round_id>/moderation.xlsx")
@la_admin_required
def moderation_xlsx(round_id):
    return _moderation_export(round_id, "xlsx")


@bp.route("/rounds/<int:round_id>")
@la_admin_required
@kept_page
def moderation(round_id):
    categorisation_round = _round_or_404(round_id)
    args = request.args
    page = _moderation_page(categorisation_round, args, args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    load_people([row.school for row in page.items])
    context = dict(round=categorisation_round, page=page, counts=round_counts(categorisation_round),
                   filters=_filters(categorisation_round), args=args, total=page.total)
    if htmx and htmx.target == "moderation-rows":
        return render_template("categories/_moderation_rows.html", **context)
    return render_template("categories/moderation.html", **context)


def _school_or_404(school_id):
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    return school


def _moderation_row_response(categorisation_round, school):
    """The updated row for htmx; the moderation page otherwise."""
    if htmx:
        row = moderation_rows(categorisation_round, [school])[0]
        return (render_template("categories/_moderation_row.html", row=row, round=categorisation_round)
                + render_template("categories/_round_counts.html", round=categorisation_round, oob=True,
                                  counts=round_counts(categorisation_round)))
    back = request.form.get("back", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("categories.moderation", round_id=categorisation_round.id)
    return redirect(back)


@bp.route("/rounds/<int:round_id>/schools/<int:school_id>/agree", methods=["POST"])
@la_admin_required
def agree_proposal(round_id, school_id):
    categorisation_round, school = _round_or_404(round_id), _school_or_404(school_id)
    proposal = proposal_for(categorisation_round, school)
    try:
        if proposal is None:
            raise RuleBroken("The adviser has not proposed a category yet", "decision")
        agree(categorisation_round, proposal, current_user)
    except RuleBroken as problem:
        db.session.rollback()
        flash(f"{school.name}: {problem.message}", "error")
        moderate_url = url_for("categories.moderate", round_id=round_id, school_id=school_id)
        if htmx:  # the page shows why, rather than a row that silently did not change
            return "", 204, {"HX-Redirect": moderate_url}
        return redirect(moderate_url)
    db.session.commit()
    if not htmx:
        flash(f"{school.name}: {proposal.agreed_category.label} agreed.", "success")
    return _moderation_row_response(categorisation_round, school)


@bp.route("/rounds/<int:round_id>/schools/<int:school_id>/moderate", methods=["GET", "POST"])
@la_admin_required
def moderate(round_id, school_id):
    categorisation_round, school = _round_or_404(round_id), _school_or_404(school_id)
    proposal = proposal_for(categorisation_round, school)
    form = ModerateForm(data={"decision": "agree" if proposal and proposal.proposed_at else "change"}
                        if request.method == "GET" else None)
    categories = categorisation_round.version.categories
    form.category_id.choices = [("", "Choose a category")] + [(str(c.id), c.label) for c in categories]
    if form.validate_on_submit():
        with rule_for(form, "decision") as outcome:
            if form.decision.data == "agree":
                if proposal is None:
                    raise RuleBroken("The adviser has not proposed a category yet: choose one and say why", "decision")
                agree(categorisation_round, proposal, current_user)
            else:
                category_id = int(form.category_id.data) if (form.category_id.data or "").isdigit() else None
                proposal = change(categorisation_round, school, current_user, category_id=category_id,
                                  reason=form.reason.data or "")
                db.session.flush()
                notify.proposal_changed(proposal)
        if outcome.ok:
            flash(f"{school.name}: {proposal.agreed_category.label} {'agreed' if form.decision.data == 'agree' else 'decided'}.",
                  "success")
            return redirect(url_for("categories.moderation", round_id=round_id))
    return render_template("categories/moderate.html", round=categorisation_round, school=school, proposal=proposal,
                           form=form, reopen_form=ReopenForm(), **_proposal_context(categorisation_round, school, proposal))


@bp.route("/rounds/<int:round_id>/schools/<int:school_id>/reopen", methods=["POST"])
@la_admin_required
def reopen_proposal(round_id, school_id):
    categorisation_round, school = _round_or_404(round_id), _school_or_404(school_id)
    proposal = proposal_for(categorisation_round, school)
    if proposal is None:
        abort(404)
    try:
        reopen(categorisation_round, proposal)
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        db.session.commit()
        flash(f"{school.name}: the decision is undone.", "success")
    return redirect(url_for("categories.moderate", round_id=round_id, school_id=school_id))


@bp.route("/rounds/<int:round_id>/publish", methods=["GET", "POST"])
@la_admin_required
def round_publish(round_id):
    categorisation_round = _round_or_404(round_id)
    form = PublishRoundForm()
    if form.validate_on_submit():
        with rule_for(form, "confirm") as outcome:
            entries = publish_round(categorisation_round, current_user, clock.today())
            db.session.flush()
            for entry in entries:
                notify.tell_school(entry)
        if outcome.ok:
            letters = sum(1 for e in entries if e.letter_sent)
            flash(f"{categorisation_round.name} is published: {len(entries)} schools can see their category"
                  + (f", and {letters} letter(s) have gone to headteachers and chairs of governors." if letters else "."),
                  "success")
            return redirect(url_for("categories.moderation", round_id=round_id))
    return render_template("categories/round_publish.html", round=categorisation_round, form=form,
                           counts=round_counts(categorisation_round), waiting=unmoderated(categorisation_round))


# --- advisers ------------------------------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>/my-schools")
@advisers_and_la_admin
def my_round(round_id):
    categorisation_round = _round_or_404(round_id)
    if is_la_admin(current_user):
        return redirect(url_for("categories.moderation", round_id=round_id))
    advised = select(SchoolRole.school_id).where(SchoolRole.user_id == current_user.id, SchoolRole.role == Role.ADVISER)
    schools = db.session.scalars(select(School).where(School.active.is_(True), School.id.in_(advised))
                                 .order_by(School.name)).all()
    rows = moderation_rows(categorisation_round, schools)
    return render_template("categories/my_round.html", round=categorisation_round, rows=rows, states=MODERATION_STATES)


def _proposal_context(categorisation_round, school, proposal):
    """What the portal knows beside each indicator, and its suggestions (only while the round is open)."""
    signals = signals_for(school, clock.today())
    suggestions = {i.id: suggest(i, signals) for i in categorisation_round.version.indicators}
    return {"signals": signals, "suggestions": suggestions, "indicators": categorisation_round.version.indicators}


@bp.route("/rounds/<int:round_id>/schools/<int:school_id>/propose", methods=["GET", "POST"])
@school_access(may_propose_category)
def propose(round_id, school):
    categorisation_round = _round_or_404(round_id)
    proposal = proposal_for(categorisation_round, school)
    if categorisation_round.is_published or (proposal is not None and proposal.status.is_moderated):
        return redirect(url_for("categories.proposal", round_id=round_id, school_id=school.id))
    version = categorisation_round.version
    context = _proposal_context(categorisation_round, school, proposal)
    data = None
    if request.method == "GET" and proposal is not None:
        data = {"category_id": str(proposal.proposed_category_id or ""), "reason": proposal.reason}
        for rating in proposal.ratings:
            data[f"rating_{rating.indicator_id}"] = rating.rating.value if rating.rating else None
            data[f"note_{rating.indicator_id}"] = rating.note
    form = proposal_form(version.indicators, version.categories, data=data)
    if form.validate_on_submit():
        ratings = {i.id: (Rating(form[f"rating_{i.id}"].data) if form[f"rating_{i.id}"].data else None,
                          form[f"note_{i.id}"].data or "") for i in version.indicators}
        submit = bool(form.send.data)
        try:
            save_proposal(categorisation_round, school, current_user, ratings=ratings,
                          category_id=int(form.category_id.data) if form.category_id.data else None,
                          reason=form.reason.data or "", submit=submit,
                          suggestions={i: s.rating for i, s in context["suggestions"].items()})
        except RuleBroken as problem:
            db.session.rollback()
            field = problem.field if problem.field != "ratings" else next(
                (f"rating_{i.id}" for i in version.indicators if not form[f"rating_{i.id}"].data), "reason")
            attach_to_form(form, RuleBroken(problem.message, field), "reason")
        else:
            db.session.commit()
            if submit:
                flash(f"Your proposal for {school.name} has gone to the LA for moderation.", "success")
                return redirect(url_for("categories.my_round", round_id=round_id))
            flash(f"Your draft for {school.name} is saved. Send it for moderation when it is ready.", "success")
            return redirect(url_for("categories.propose", round_id=round_id, school_id=school.id))
    return render_template("categories/propose.html", round=categorisation_round, school=school, proposal=proposal,
                           form=form, **context)


@bp.route("/rounds/<int:round_id>/schools/<int:school_id>")
@school_access(may_see_proposal)
def proposal(round_id, school):
    categorisation_round = _round_or_404(round_id)
    found = proposal_for(categorisation_round, school)
    return render_template("categories/proposal.html", round=categorisation_round, school=school, proposal=found,
                           indicators=categorisation_round.version.indicators,
                           may_edit=may_propose_category(current_user, school))


bp.add_app_template_global(MODERATION_STATES, "MODERATION_STATES")
