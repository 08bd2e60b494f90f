"""The overview table on home pages (LA admin: every school; adviser: their caseload), its downloads and stars."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import clock
from portal.access import is_la_admin, may_view_school, school_access, school_ids_where, signed_in
from portal.categories.paging import ListPagination
from portal.categories.schemes import current_version
from portal.exports import filters_in_words, table_response
from portal.extensions import db, htmx
from portal.home import bp
from portal.home.overview import (
    OVERDUE_KINDS,
    SORTS,
    add_details,
    advisers_of,
    category_counts,
    filter_rows,
    matching_ids,
    overview_rows,
    schools_for,
    sort_rows,
)
from portal.schools.models import PHASES, Role, SchoolRole, SchoolStar
from portal.schools.rules import load_people
from portal.templating import govuk_date

MOVEMENTS = [("up", "More support"), ("down", "Less support"), ("same", "No change"), ("new", "First category")]


def overview_scope(user):
    """(caption, school ids or None for every school) of the overview this person gets, or None for none.

    The LA admin sees every school; an adviser their caseload; anyone else with several schools those schools."""
    if is_la_admin(user):
        return "All schools", None
    advised = sorted(school_ids_where(user, Role.ADVISER))
    if advised:
        return "Your caseload", advised
    schools = sorted(school_ids_where(user))
    return ("Your schools", schools) if len(schools) > 1 else None


def _filters_from(args):
    return {"q": args.get("q", "").strip(), "phase": args.get("phase", ""), "adviser": args.get("adviser", ""),
            "category": args.get("category", ""), "overdue": args.get("overdue", ""), "movement": args.get("movement", ""),
            "sort": args.get("sort", "name")}


def overview(user, args, today):
    """Everything the overview table shows for this person with these filters (None when they get no overview)."""
    scope = overview_scope(user)
    if scope is None:
        return None
    caption, school_ids = scope
    filters = _filters_from(args)
    adviser_id = int(filters["adviser"]) if filters["adviser"].isdigit() else None
    schools, starred = schools_for(school_ids, starred_by=user)
    all_rows = overview_rows(schools, today, starred, details=False,
                             inspections=filters["sort"] == "inspection")
    shown_ids = matching_ids(school_ids, search=filters["q"], phase=filters["phase"], adviser_id=adviser_id)
    rows = filter_rows([r for r in all_rows if shown_ids is None or r.school.id in shown_ids], category_key=filters["category"],
                       overdue_kind=filters["overdue"], movement_word=filters["movement"])
    advisers = advisers_of(school_ids)
    with_adviser = {school_id for school_id, _, _ in advisers}
    return {"caption": caption, "rows": sort_rows(rows, filters["sort"]), "counts": category_counts(all_rows),
            "filters": filters, "choices": _choices(advisers), "total": len(all_rows),
            "without_adviser": sum(1 for row in all_rows if row.school.id not in with_adviser)}


def _choices(advisers_by_school):
    advisers = {adviser_id: name for _, adviser_id, name in advisers_by_school}
    version = current_version()
    categories = [(c.key, c.label) for c in version.categories] if version else []
    return {
        "phase": [("", "Any phase")] + [(p, p) for p in PHASES],
        "adviser": [("", "Any adviser")] + sorted(((str(i), n) for i, n in advisers.items()), key=lambda c: c[1]),
        "category": [("", "Any category")] + categories + [("none", "Not categorised")],
        "overdue": [("", "Anything or nothing"), ("any", "Anything overdue")] + list(OVERDUE_KINDS.items()),
        "movement": [("", "Any")] + MOVEMENTS,
        "sort": [(key, label) for key, (label, _) in SORTS.items()],
    }


FILTER_LABELS = {"q": "Name or URN", "phase": "Phase", "adviser": "Adviser", "category": "Category",
                 "overdue": "Overdue", "movement": "Movement", "sort": "Sorted by"}


def named_filters(context):
    """[(label, value in words)] of the filters in use, for the file."""
    return filters_in_words(context["filters"], [(name, label, context["choices"].get(name, []))
                                                 for name, label in FILTER_LABELS.items()])


COLUMNS = ["School", "URN", "Phase", "Adviser", "Category", "Movement", "Open intervention", "Latest inspection", "Inspected on",
           "Safeguarding", "Plan", "Latest review: red", "amber", "green", "Next review meeting",
           "Last verification this half term", "Last visit this half term", "Overdue", "Starred"]


def export_values(row):
    from portal.meetings.models import Rag

    inspection = row.inspection
    if inspection is None:
        grades = ""
    elif inspection.legacy_grade:
        grades = inspection.legacy_grade
    else:
        grades = "; ".join(f"{key.replace('-', ' ').capitalize()}: {grade}" for key, grade in inspection.area_grades.items())
    return [
        row.school.name, row.school.urn, row.school.phase, ", ".join(a.name for a in row.school.advisers),
        row.category.label if row.category else "", row.movement.label if row.movement else "",
        ", ".join(step.title for step in row.intervention), grades,
        inspection.inspected_on if inspection else None,
        "" if inspection is None or inspection.safeguarding_met is None else ("Met" if inspection.safeguarding_met else "Not met"),
        row.plan.status.label if row.plan else "", row.review_counts.get(Rag.RED, 0) if row.review else None,
        row.review_counts.get(Rag.AMBER, 0) if row.review else None, row.review_counts.get(Rag.GREEN, 0) if row.review else None,
        row.next_meeting.meets_on if row.next_meeting else None, row.last_verified_on, row.last_visited_on,
        "; ".join(f"{item.label} (due {govuk_date(item.due_on)})" for item in row.overdue), "Yes" if row.starred else "",
    ]


def _export(kind):
    context = overview(current_user, request.args, clock.today())
    if context is None:
        return redirect(url_for("home.index"))
    load_people([row.school for row in context["rows"]])
    add_details(context["rows"], clock.today())
    return table_response(kind, context["caption"], named_filters(context), COLUMNS,
                          [export_values(row) for row in context["rows"]])


@bp.route("/overview.csv")
@signed_in
def overview_csv():
    return _export("csv")


@bp.route("/overview.xlsx")
@signed_in
def overview_xlsx():
    return _export("xlsx")


def overview_page(context):
    """The rows of the page asked for, with the people of their schools."""
    page = ListPagination(context["rows"], request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    load_people([row.school for row in page.items])
    add_details(page.items, clock.today())
    return page


@bp.route("/schools/<int:school_id>/star", methods=["POST"])
@school_access(may_view_school)
def star(school):
    """Star a school to watch it (first on the home page); again to stop."""
    existing = db.session.scalar(select(SchoolStar).where(SchoolStar.user_id == current_user.id,
                                                          SchoolStar.school_id == school.id))
    if existing is None:
        db.session.add(SchoolStar(user_id=current_user.id, school_id=school.id))
    else:
        db.session.delete(existing)
    db.session.commit()
    if htmx:
        return render_template("home/_star.html", school=school, starred=existing is None)
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("home.index"))
