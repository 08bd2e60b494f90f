"""A school's charts (SVG images) and its summary to print before a visit, as a page and as a PDF."""

from flask import abort, make_response, render_template
from markupsafe import Markup
from sqlalchemy import select

from portal import clock
from portal.access import la_admin_required, may_validate_school, may_view_school, school_access
from portal.charts import CHART_POLICY, category_movements, plan_rag_over_year, render_svg, self_evaluation_grades
from portal.extensions import db
from portal.pdf import pdf_response
from portal.schools import bp
from portal.schools.summary import school_summary


def svg_response(chart):
    """The chart as an image of its own: its policy lets pygal's ``<style>`` apply and nothing else load or run.

    ``portal.security`` keeps a policy the view has set, so this one is the one the browser gets."""
    response = make_response(render_svg(chart))
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Content-Security-Policy"] = CHART_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def _plan_or_404(school, plan_id):
    """The school's plan; another school's plan under this school's address is not found."""
    from portal.plans.models import Plan

    plan = db.session.scalar(select(Plan).where(Plan.id == plan_id, Plan.school_id == school.id))
    if plan is None:
        abort(404)
    return plan


@bp.route("/<int:school_id>/charts/self-evaluation.svg")
@school_access(may_view_school)
def chart_self_evaluation(school):
    return svg_response(self_evaluation_grades(school).chart)


@bp.route("/<int:school_id>/plans/<int:plan_id>/charts/rag.svg")
@school_access(may_view_school)
def chart_plan_rag(school, plan_id):
    return svg_response(plan_rag_over_year(_plan_or_404(school, plan_id)).chart)


@bp.route("/charts/categories.svg")
@la_admin_required
def chart_categories():
    return svg_response(category_movements().chart)


# --- the summary to print before a visit ------------------------------------------------------------------------------

@bp.route("/<int:school_id>/summary")
@school_access(may_validate_school)
def summary(school):
    return render_template("schools/summary.html", summary=school_summary(school, clock.today()), charts=None)


@bp.route("/<int:school_id>/summary-pdf")
@school_access(may_validate_school)
def summary_pdf(school):
    """The same page as a PDF. WeasyPrint may fetch only static files, so the charts go in as inline SVG."""
    data = school_summary(school, clock.today())
    charts = {"grades": Markup(render_svg(data.grades.chart))}
    if data.rag is not None:
        charts["rag"] = Markup(render_svg(data.rag.chart))
    return pdf_response(render_template("schools/summary.html", summary=data, charts=charts),
                        f"{school.name} summary {data.today.isoformat()}.pdf")
