"""Intervention in schools causing concern: the formal steps the LA takes, their deadlines, responses, outcomes and documents."""

from flask import Blueprint

bp = Blueprint("intervention", __name__, url_prefix="/schools/<int:school_id>/intervention")
