"""A school's self-evaluation and its adviser's validation."""

from flask import Blueprint

bp = Blueprint("self_evaluation", __name__, url_prefix="/schools/<int:school_id>/self-evaluations")
