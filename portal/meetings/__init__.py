"""Review meetings: scheduling, deadlines in working days, agendas, RAG reviews, invitations."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/schools/<int:school_id>/meetings")
# The LA's kinds of meeting and the rhythm each category holds them in: not a school's pages.
kinds_bp = Blueprint("meeting_kinds", __name__, url_prefix="/meeting-kinds")
