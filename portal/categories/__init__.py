"""Categorisation: the LA's category scheme and indicators, rounds of risk assessment, moderation and each school's category over time."""

from flask import Blueprint

bp = Blueprint("categories", __name__, url_prefix="/categories")
