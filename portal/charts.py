"""Charts drawn on the server as SVG (pygal), each shown beside a table of the same figures.

Each ``*_data`` rule below returns plain data: what the page's table prints and what ``render_svg`` draws, so the two
never disagree. Colour is never the only signal: bars carry their numbers, lines their grade names, and every chart
has a legend and the table beside it.

The SVG is served as its own response (``image/svg+xml``, shown through ``<img>``, where it cannot run script). pygal
writes a ``<style>`` into it, so those responses carry ``CHART_POLICY`` instead of the pages' Content-Security-Policy
(``portal.security`` keeps a policy a view has already set). pygal's script is never included: ``js=[]``, and the
config script it always writes is taken out. Nothing in the SVG refers to anything outside it.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db

CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# GOV.UK Frontend's palette, for the tag colour names categories and grades use (portal.frameworks.models.GRADE_COLOURS).
TAG_COLOURS = {
    "green": "#0f7a52", "teal": "#158187", "blue": "#1d70b8", "light-blue": "#5694ca", "purple": "#54319f",
    "yellow": "#ffdd00", "orange": "#f47738", "red": "#ca3535", "pink": "#ca357c", "grey": "#858686",
}
# Series colours for charts whose lines have no colour of their own (areas of a self-evaluation).
LINE_COLOURS = ("#1d70b8", "#0f7a52", "#ca3535", "#54319f", "#f47738", "#158187", "#ca357c", "#0b0c0c", "#99704a",
                "#5694ca")


def hex_colour(name: str) -> str:
    return TAG_COLOURS.get(name, TAG_COLOURS["grey"])


def short_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


@dataclass
class Series:
    label: str
    colour: str  # "#rrggbb"
    values: list  # one per column of the chart; None where there is nothing to show


@dataclass
class Chart:
    """What one chart shows: ``columns`` along the x axis, one value per column in each series."""

    kind: str  # "stacked-bar" or "grade-lines"
    title: str
    columns: list[str]
    series: list[Series] = field(default_factory=list)
    # Grade charts: (position, name) from the best (1) down, for the y axis and the table's cells.
    grades: list[tuple[int, str]] = field(default_factory=list)
    y_title: str = ""
    alt: str = ""

    @property
    def is_empty(self):
        return not self.columns or not any(v is not None for s in self.series for v in s.values)


# --- 1. categories across the published rounds (the LA's picture) -----------------------------------------------------

@dataclass
class RoundCounts:
    """How many schools each published round put in each category; ``chart`` draws it, ``rows`` is the table."""

    chart: Chart
    rounds: list  # CategorisationRound, oldest first
    rows: list  # [(round, [count per series], total)]


def category_movements(rounds=None) -> RoundCounts:
    """Schools per category in each published round, oldest round first (three statements, any number of rounds).

    Categories line up across scheme versions by their ``key``; the newest round's name, colour and order win.
    Position 1 needs the least support and sits at the bottom of each bar."""
    from portal.categories.models import CategorisationRound, Category, RoundStatus, SchoolCategory

    if rounds is None:
        rounds = db.session.scalars(
            select(CategorisationRound).where(CategorisationRound.status == RoundStatus.PUBLISHED)
            .order_by(CategorisationRound.published_at, CategorisationRound.id)).all()
    rounds = list(rounds)
    counts = {}
    category_ids = set()
    if rounds:
        for round_id, category_id, number in db.session.execute(
                select(SchoolCategory.round_id, SchoolCategory.category_id, func.count())
                .where(SchoolCategory.round_id.in_([r.id for r in rounds]))
                .group_by(SchoolCategory.round_id, SchoolCategory.category_id)):
            counts[(round_id, category_id)] = number
            category_ids.add(category_id)
    categories = db.session.scalars(select(Category).where(Category.id.in_(category_ids))).all() if category_ids else []
    order = {r.id: index for index, r in enumerate(rounds)}
    newest = {}  # key -> the category of that key from the newest round that used it
    used_in = {}
    for (round_id, category_id) in counts:
        used_in.setdefault(category_id, []).append(order[round_id])
    for category in sorted(categories, key=lambda c: max(used_in.get(c.id, [-1]))):
        newest[category.key] = category
    keys = sorted(newest, key=lambda key: (newest[key].position, newest[key].label))
    key_of = {c.id: c.key for c in categories}
    table = {(r.id, key): 0 for r in rounds for key in keys}
    for (round_id, category_id), number in counts.items():
        table[(round_id, key_of[category_id])] += number
    series = [Series(newest[key].label, hex_colour(newest[key].colour), [table[(r.id, key)] or None for r in rounds])
              for key in keys]
    rows = [(r, [table[(r.id, key)] for key in keys], sum(table[(r.id, key)] for key in keys)) for r in rounds]
    chart = Chart("stacked-bar", "Schools in each category, by categorisation round", [r.name for r in rounds], series,
                  y_title="Number of schools")
    if rows:
        latest, numbers, total = rows[-1]
        parts = ", ".join(f"{n} in {s.label}" for s, n in zip(series, numbers))
        chart.alt = (f"Stacked bar chart of the number of schools in each category in {len(rows)} published "
                     f"round{'s' if len(rows) != 1 else ''}. Latest, {latest.name}: {parts} ({total} schools). "
                     "The table gives every figure.")
    return RoundCounts(chart, rounds, rows)


# --- 2. a plan's RAG ratings at each review of the year ------------------------------------------------------------------

@dataclass
class RagCounts:
    chart: Chart
    meetings: list  # the reviews held (with at least one rating), oldest first
    rows: list  # [(meeting, {"red": n, "amber": n, "green": n}, total)]


def plan_rag_over_year(plan) -> RagCounts:
    """How many of the plan's success criteria were red, amber and green at each review meeting that rated any.

    Two statements: the meetings, and the counts grouped in the database."""
    from portal.meetings.models import CriterionReview, MeetingStatus, Rag, ReviewMeeting

    rag_series = [(rag.value, rag.label, hex_colour(rag.colour)) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)]
    meetings = db.session.scalars(
        select(ReviewMeeting).where(ReviewMeeting.plan_id == plan.id, ReviewMeeting.status == MeetingStatus.SCHEDULED,
                                    ReviewMeeting.criterion_reviews.any())
        .order_by(ReviewMeeting.meets_on, ReviewMeeting.id)).all()
    counts = {(m.id, key): 0 for m in meetings for key, _, _ in rag_series}
    if meetings:
        for meeting_id, rag, number in db.session.execute(
                select(CriterionReview.meeting_id, CriterionReview.rag, func.count())
                .where(CriterionReview.meeting_id.in_([m.id for m in meetings]))
                .group_by(CriterionReview.meeting_id, CriterionReview.rag)):
            counts[(meeting_id, rag.value)] = number
    rows = []
    for meeting in meetings:
        by_rag = {key: counts[(meeting.id, key)] for key, _, _ in rag_series}
        rows.append((meeting, by_rag, sum(by_rag.values())))
    series = [Series(label, colour, [counts[(m.id, key)] or None for m in meetings]) for key, label, colour in rag_series]
    chart = Chart("stacked-bar", f"Success criteria by RAG rating at each review: {plan.title}",
                  [short_date(m.meets_on) for m in meetings], series, y_title="Number of success criteria")
    if rows:
        meeting, by_rag, total = rows[-1]
        chart.alt = (f"Stacked bar chart of the plan's success criteria rated red, amber and green at {len(rows)} "
                     f"review meeting{'s' if len(rows) != 1 else ''}. Latest, {short_date(meeting.meets_on)}: "
                     f"{by_rag['red']} red, {by_rag['amber']} amber, {by_rag['green']} green. The table gives every figure.")
    return RagCounts(chart, meetings, rows)


# --- 3. a school's self-evaluation grades over time ----------------------------------------------------------------------

@dataclass
class GradeCell:
    name: str
    position: int
    source: str  # "validated": the adviser's validated grade; "adviser": their view, not validated yet; "school"

    @property
    def note(self):
        return {"validated": "", "adviser": "adviser's view, not yet validated", "school": "school's grade"}[self.source]


@dataclass
class GradeHistory:
    chart: Chart
    evaluations: list  # oldest first, drafts left out
    rows: list  # [(area title, [GradeCell | None per evaluation])]
    other_scale: list  # titles of evaluations on another scale than the newest (in the table, not on the chart)


def self_evaluation_grades(school) -> GradeHistory:
    """Each area's grade in each of the school's self-evaluations (not drafts), oldest first.

    The grade that counts is the validated one, else the school's own (``portal.plans.rules.judgement_grade``). Areas
    line up across framework versions by their key. The y axis runs from the best grade at the top; only
    self-evaluations on the newest one's scale are drawn (positions on different scales do not compare)."""
    from portal.frameworks.models import ScaleGrade
    from portal.plans.rules import judgement_grade
    from portal.self_evaluation.models import EvaluationStatus
    from portal.self_evaluation.rules import school_self_evaluations

    evaluations = [e for e in reversed(school_self_evaluations(school)) if e.status != EvaluationStatus.DRAFT]
    scale_id = evaluations[-1].version.scale_id if evaluations else None
    grades = db.session.scalars(select(ScaleGrade).where(ScaleGrade.scale_id == scale_id)
                                .order_by(ScaleGrade.position)).all() if scale_id else []
    titles = {}
    for evaluation in reversed(evaluations):  # the newest title wins
        for judgement in evaluation.judgements:
            titles.setdefault(judgement.area.key, judgement.area.title)
    rows, series = [], []
    for index, key in enumerate(sorted(titles, key=lambda k: _area_order(evaluations, k))):
        cells, values = [], []
        for evaluation in evaluations:
            judgement = next((j for j in evaluation.judgements if j.area.key == key), None)
            grade = judgement_grade(judgement) if judgement is not None else None
            cells.append(GradeCell(grade.name, grade.position, _source(evaluation, judgement)) if grade else None)
            same_scale = grade is not None and evaluation.version.scale_id == scale_id
            values.append(grade.position if same_scale else None)
        rows.append((titles[key], cells))
        series.append(Series(titles[key], LINE_COLOURS[index % len(LINE_COLOURS)], values))
    chart = Chart("grade-lines", f"Self-evaluation grades over time: {school.name}", [e.title for e in evaluations],
                  series, grades=[(g.position, g.name) for g in grades])
    if evaluations:
        latest = evaluations[-1]
        parts = "; ".join(f"{title}: {cells[-1].name}" for title, cells in rows if cells[-1] is not None)
        chart.alt = (f"Line chart of each area's grade in {len(evaluations)} self-evaluation"
                     f"{'s' if len(evaluations) != 1 else ''}, best grade at the top. Latest, {latest.title}: {parts}. "
                     "The table gives every grade.")
    other = [e.title for e in evaluations if e.version.scale_id != scale_id]
    return GradeHistory(chart, evaluations, rows, other)


def _source(evaluation, judgement):
    from portal.self_evaluation.models import EvaluationStatus

    if judgement.validated_grade is None:
        return "school"
    return "validated" if evaluation.status == EvaluationStatus.VALIDATED else "adviser"


def _area_order(evaluations, key):
    """Areas in the newest framework's order; areas it no longer has after them, in their own order."""
    for age, evaluation in enumerate(reversed(evaluations)):
        area = next((j.area for j in evaluation.judgements if j.area.key == key), None)
        if area is not None:
            return (age, area.position, area.id)
    return (len(evaluations), 0, 0)


# --- drawing ----------------------------------------------------------------------------------------------------------

def render_svg(chart: Chart) -> str:
    """The chart as an SVG document (no XML declaration, no script, no external references)."""
    import pygal
    from pygal.style import Style

    style = Style(
        background="#ffffff", plot_background="#ffffff", foreground="#0b0c0c", foreground_strong="#0b0c0c",
        foreground_subtle="#484949", opacity="1", opacity_hover="1", transition="none",
        colors=tuple(s.colour for s in chart.series) or ("#1d70b8",),
        font_family="arial, sans-serif", label_font_size=16, major_label_font_size=16, value_font_size=20,
        legend_font_size=16, title_font_size=20, tooltip_font_size=16,
        value_colors=tuple(_ink_on(s.colour) for s in chart.series),
    )
    # The legend under the chart, never truncated: fewer columns for longer names. pygal reserves room for
    # floor(series / columns) rows of legend, so the last, part-filled row gets its room in the bottom margin.
    longest = max((len(s.label) for s in chart.series), default=0)
    count = max(1, len(chart.series))
    columns = min(count, 3 if longest <= 14 else 2 if longest <= 22 else 1)
    rows = -(-count // columns)
    height = (360 if chart.kind == "grade-lines" else 330) + 24 * rows
    common = dict(style=style, js=[], disable_xml_declaration=True, width=600, height=height,
                  legend_at_bottom=True, legend_at_bottom_columns=columns, legend_box_size=16, truncate_legend=-1,
                  truncate_label=-1, show_y_guides=True, margin=16, margin_right=70,
                  margin_bottom=16 + 24 * (rows - count // columns), no_data_text="Nothing to show yet")
    if chart.kind == "stacked-bar":
        top = max([sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.columns))] or [0])
        step = _whole_step(top)
        graph = pygal.StackedBar(**common, print_values=True, print_values_position="center", print_zeroes=False,
                                 y_title=chart.y_title,
                                 y_labels=None if chart.is_empty else list(range(0, max(top, 1) + step, step)))
        graph.value_formatter = lambda value: "" if value is None else f"{value:g}"
    else:
        grades = chart.grades or [(1, "1")]
        names = dict(grades)
        graph = pygal.Line(**common, inverse_y_axis=True, range=(grades[0][0], grades[-1][0]), dots_size=6,
                           stroke_style={"width": 3}, print_values=False, allow_interruptions=True,
                           y_labels=None if chart.is_empty else [{"label": name, "value": position}
                                                                 for position, name in grades])
        graph.value_formatter = lambda value: names.get(value, "") if value is not None else ""
    graph.title = chart.title
    graph.x_labels = chart.columns
    for series in chart.series:
        graph.add(series.label, series.values)
    graph.add_xml_filter(_without_scripts)
    return graph.render(is_unicode=True)


def _whole_step(top: int) -> int:
    """A step of 1, 2 or 5 times a power of ten giving at most ten whole-number labels up to ``top``."""
    step = 1
    while top / step > 10:
        step = next(step * factor for factor in (2, 5, 10) if top / (step * factor) <= 10 or factor == 10)
    return step


def _without_scripts(root):
    """pygal always writes a config script into the SVG's defs: nothing here may run, so it goes."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "script" or str(child.tag).endswith("}script"):
                parent.remove(child)
    return root


def _ink_on(colour: str) -> str:
    """Black or white text, whichever reads on the colour (yellow and orange bars take black)."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#0b0c0c" if (0.299 * red + 0.587 * green + 0.114 * blue) > 150 else "#ffffff"
