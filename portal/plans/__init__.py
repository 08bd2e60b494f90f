"""Raising Achievement Plans: priorities, actions, success criteria with half-termly milestones."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/schools/<int:school_id>/plans")
