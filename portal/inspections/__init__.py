"""A school's latest Ofsted inspections, set beside its self-evaluation."""

from flask import Blueprint

bp = Blueprint("inspections", __name__, url_prefix="/schools/<int:school_id>/inspections")
