"""Template globals and filters shared by every blueprint."""

from flask import current_app

from portal import access
from portal.schools.models import ROLE_LABELS, Role
from portal.timeutil import as_london


def govuk_date(value):
    """25 November 2026: the GOV.UK date style."""
    if value is None:
        return ""
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


def init_app(app):
    app.jinja_env.filters["govuk_date"] = govuk_date
    app.jinja_env.filters["govuk_datetime"] = govuk_datetime
    app.jinja_env.globals.update(access.template_helpers())
    app.jinja_env.globals.update(Role=Role, ROLE_LABELS=ROLE_LABELS, grade_hints=grade_hints)

    @app.context_processor
    def service_identity():
        return {
            "service_name": current_app.config["SERVICE_NAME"],
            "organisation_name": current_app.config["ORGANISATION_NAME"],
        }
