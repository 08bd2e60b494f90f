"""A school's own pages, seen by the people with a role there."""

from flask import Blueprint

bp = Blueprint("schools", __name__, url_prefix="/schools")

