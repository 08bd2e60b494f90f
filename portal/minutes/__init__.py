"""Minutes of review meetings and the governors' confirmation that can be checked later."""

from flask import Blueprint

bp = Blueprint("minutes", __name__, url_prefix="/schools/<int:school_id>/meetings/<int:meeting_id>/minutes")
