"""Template globals and filters shared by every blueprint."""

from datetime import date, datetime

from flask import current_app

from portal import access
from portal.schools.models import ROLE_LABELS, Role
from portal.clock import as_london


def govuk_date(value):
    """25 November 2026: the GOV.UK date style (from a date, a stored time read as London's day, or an ISO date
    kept in a JSON record)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    elif isinstance(value, datetime):
        value = as_london(value)
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value):
    value = as_london(value)
    if value is None:
        return ""
    hour = value.strftime("%I").lstrip("0")
    return f"{value.day} {value:%B %Y} at {hour}:{value:%M}{value:%p}".replace("AM", "am").replace("PM", "pm")


def grade_hints(area, scale):
    """Radio items' hints for a grade question: the area's descriptor for each grade, else the scale's."""
    return [{"hint": {"text": area.descriptor_for(grade) or grade.descriptor}} for grade in scale.grades]


def csrf_input(form=None):
    """The CSRF token as a hidden input without an id, so pages with several forms keep ids unique."""
    from flask_wtf.csrf import generate_csrf
    from markupsafe import Markup, escape

    prefix = getattr(form, "_prefix", "") if form is not None else ""
    return Markup(f'<input type="hidden" name="{escape(prefix)}csrf_token" value="{escape(generate_csrf())}">')


def filesize(size):
    """1.2 MB, 340 KB, 12 bytes."""
    if size is None:
        return ""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def school_calendar():
    """The LA's term dates, loaded once per request, for "School holiday" tags beside dates on any page."""
    from flask import g

    from portal.terms.rules import term_calendar

    if "school_calendar" not in g:
        g.school_calendar = term_calendar()
    return g.school_calendar


def init_app(app):
    app.jinja_env.filters["govuk_date"] = govuk_date
    app.jinja_env.filters["govuk_datetime"] = govuk_datetime
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals.update(access.template_helpers())
    app.jinja_env.globals.update(Role=Role, ROLE_LABELS=ROLE_LABELS, grade_hints=grade_hints, csrf_input=csrf_input)

    app.jinja_env.globals["school_calendar"] = school_calendar

    @app.before_request
    def calendar_first():
        """The term dates into the session before anything else: the half terms and years a page's plans, meetings
        and milestones point at are then found there, not loaded again (they are kept between requests)."""
        from flask import request
        from flask_login import current_user

        if request.endpoint not in ("static", "health.healthz") and current_user.is_authenticated:
            school_calendar()
    from portal.meetings.models import Rag

    app.jinja_env.globals["RAGS"] = list(Rag)  # red, amber, green: the order counts are shown in

    @app.context_processor
    def service_identity():
        return {
            "service_name": current_app.config["SERVICE_NAME"],
            "organisation_name": current_app.config["ORGANISATION_NAME"],
        }
