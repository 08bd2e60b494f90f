"""A school's summary on one page, for the adviser to print (or keep as a PDF) before a visit.

Everything is gathered here in a fixed number of statements, whatever the school's history holds: the page itself
only prints it. The charts are served separately (portal/schools/chart_views.py) from the same rules in
portal/charts.py, so the tables here and the pictures there show the same figures.
"""

from dataclasses import dataclass
from datetime import date


@dataclass
class SchoolSummary:
    school: object
    today: date
    history: list  # SchoolCategory entries, newest first
    current: object  # the latest SchoolCategory entry, or None
    inspection: object
    grades: object  # portal.charts.GradeHistory
    plan: object  # the current plan, or None
    rag: object  # portal.charts.RagCounts for the plan, or None
    year_starts_on: date
    year_ends_on: date
    visits: list  # this academic year's visits, newest first
    overdue: list  # portal.home.overview.Overdue items

    @property
    def category(self):
        return self.current.category if self.current else None

    @property
    def year_label(self):
        return f"{self.year_starts_on.year} to {self.year_ends_on.year}"


def academic_year_bounds(today: date) -> tuple[date, date]:
    """The academic year ``today`` falls in: 1 September to 31 August (holidays included, as the term dates count it)."""
    start_year = today.year if today.month >= 9 else today.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def school_summary(school, today: date) -> SchoolSummary:
    from portal.categories.rules import current_entry, history
    from portal.charts import plan_rag_over_year, self_evaluation_grades
    from portal.home.overview import overview_rows
    from portal.inspections.rules import latest_inspection
    from portal.visits.rules import current_plan, school_visits

    plan = current_plan(school)
    starts_on, ends_on = academic_year_bounds(today)
    visits = [v for v in school_visits(school) if starts_on <= v.visited_on <= ends_on]
    return SchoolSummary(
        school=school, today=today, history=history(school), current=current_entry(school),
        inspection=latest_inspection(school), grades=self_evaluation_grades(school), plan=plan,
        rag=plan_rag_over_year(plan) if plan is not None else None, year_starts_on=starts_on, year_ends_on=ends_on,
        visits=visits, overdue=_with_meetings(overview_rows([school], today)[0].overdue),
    )


def _with_meetings(overdue):
    """The overview knows meetings as plain rows; the summary names them, so it loads the few it lists."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.meetings.models import ReviewMeeting

    ids = {item.meeting.id for item in overdue if item.meeting is not None}
    if ids:
        meetings = {m.id: m for m in db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.id.in_(ids)))}
        for item in overdue:
            if item.meeting is not None:
                item.meeting = meetings[item.meeting.id]
    return overdue
