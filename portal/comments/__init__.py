"""Comments on a plan: the adviser's question, challenge or praise on a priority, action or success criterion,
answered by the school in a thread."""

from flask import Blueprint

bp = Blueprint("plan_comments", __name__, url_prefix="/schools/<int:school_id>/plans/<int:plan_id>/comments")
