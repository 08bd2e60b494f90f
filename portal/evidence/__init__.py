"""Evidence against the plan's success criteria, and the adviser's half-termly verification."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/schools/<int:school_id>/evidence")
