"""Adviser visits between reviews: notes of visit, the school's factual accuracy check, and the final record."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/schools/<int:school_id>/visits")


@bp.record_once
def _add_the_list_across_schools(state):
    """``/visits`` (endpoint ``visits.all_visits``) is outside the school prefix every other visit URL shares."""
    from portal.visits.across_views import all_visits

    state.app.add_url_rule("/visits", endpoint=f"{bp.name}.all_visits", view_func=all_visits)
