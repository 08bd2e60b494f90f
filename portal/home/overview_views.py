"""The overview table on home pages (LA admin: every school; adviser: their caseload), its downloads and stars."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import is_la_admin, may_view_school, school_access, school_ids_where, signed_in
from portal.categories.paging import ListPagination
from portal.categories.schemes import current_version
from portal.exports import filters_in_words, table_response
from portal.extensions import htmx
from portal.home import bp
from portal.home.overview import (
    OVERDUE_KINDS,
    SORTS,
    add_details,
    adviser_choices,
    category_counts,
    counted_categories,
    filter_rows,
    matching_condition,
    matching_ids,
    names_page,
    overview_rows,
    school_counts,
    school_names,
    sort_rows,
)
from portal.home.rules import toggle_star
from portal.schools.models import PHASES, Role
from portal.schools.rules import schools_with_people
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


# Filters that need what is due or overdue at every school, worked out school by school in Python.
NEEDS_EVERY_ROW = ("category", "overdue", "movement")


def overview(user, args, today, page_number=None):
    """Everything the overview table shows for this person with these filters (None when they get no overview).

    With ``page_number``, that page of the table ("page"). In the usual view (sorted by name, filtered at most by
    name, phase or adviser) only the page's fifty schools are worked out: every school in the LA (or a shared
    deployment's 20,000) is counted, sorted and paged in SQL; a caseload of a few dozen, held with its people
    already, by name in memory. Other filters and sorts work out every school, as do downloads (no
    ``page_number``: "rows" holds every row)."""
    scope = overview_scope(user)
    if scope is None:
        return None
    caption, school_ids = scope
    filters = _filters_from(args)
    adviser_id = int(filters["adviser"]) if filters["adviser"].isdigit() else None
    context = {"caption": caption, "filters": filters, "choices": _choices(adviser_choices(school_ids))}
    by_name = page_number is not None and filters["sort"] == "name" and not any(filters[key] for key in NEEDS_EVERY_ROW)
    if by_name and school_ids is None:
        total, without_adviser, counts = school_counts()
        matching = matching_condition(search=filters["q"], phase=filters["phase"], adviser_id=adviser_id)
        page = names_page(user, today, page_number, current_app.config["PAGE_SIZE"], total=total,
                          matching=matching)
        page.items = overview_rows([school for school, _ in page.items], today,
                                   facts={school.id: facts for school, facts in page.items})
        context.update(total=total, without_adviser=without_adviser, counts=counts, page=page)
        return context
    names = school_names(school_ids, user, today)
    shown_ids = matching_ids(school_ids, search=filters["q"], phase=filters["phase"], adviser_id=adviser_id)
    context.update(total=len(names), without_adviser=sum(1 for name in names if not name.has_adviser))
    if by_name:
        context.update(counts=counted_categories(names), page=_page_by_name(names, shown_ids, page_number, today))
        return context
    all_rows = overview_rows(names, today, facts={name.id: name for name in names}, details=False,
                             inspections=filters["sort"] == "inspection")
    rows = filter_rows([r for r in all_rows if shown_ids is None or r.school.id in shown_ids], category_key=filters["category"],
                       overdue_kind=filters["overdue"], movement_word=filters["movement"])
    context.update(rows=sort_rows(rows, filters["sort"]), counts=category_counts(all_rows))
    if page_number is not None:
        context["page"] = _page_of(context["rows"], page_number, today)
    return context


def _page_by_name(names, shown_ids, page_number, today):
    """The page of a caseload's schools by name (starred first, as ``sort_rows`` orders them), worked out for its
    rows alone."""
    listed = sorted((name for name in names if shown_ids is None or name.id in shown_ids),
                    key=lambda name: (not name.starred, name.name_key, name.id))
    page = ListPagination(listed, page_number, current_app.config["PAGE_SIZE"])
    schools = schools_with_people(name.id for name in page.items)
    page.items = overview_rows([schools[name.id] for name in page.items], today,
                               facts={name.id: name for name in page.items})
    return page


def _page_of(rows, page_number, today):
    """The page asked for of rows already worked out, with their schools and people and the rest filled in."""
    page = ListPagination(rows, page_number, current_app.config["PAGE_SIZE"])
    shown(page.items, today)
    return page


def shown(rows, today):
    """Rows worked out from ``school_names`` rows made ready to show: each with its school and people, and the
    rest filled in (``add_details``)."""
    schools = schools_with_people(row.school.id for row in rows)
    for row in rows:
        row.school = schools[row.school.id]
    add_details(rows, today)


def _choices(advisers):
    advisers = dict(advisers)
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
    shown(context["rows"], clock.today())
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


@bp.route("/schools/<int:school_id>/star", methods=["POST"])
@school_access(may_view_school)
def star(school):
    """Star a school to watch it (first on the home page); again to stop."""
    starred = toggle_star(current_user, school)
    if htmx:
        return render_template("home/_star.html", school=school, starred=starred)
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("home.index"))
