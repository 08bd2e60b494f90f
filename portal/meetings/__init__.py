"""Review meetings: scheduling, deadlines in working days, agendas, RAG reviews, invitations."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/schools/<int:school_id>/meetings")
