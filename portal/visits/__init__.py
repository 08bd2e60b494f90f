"""Adviser visits between reviews: notes of visit, the school's factual accuracy check, and the final record."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/schools/<int:school_id>/visits")
