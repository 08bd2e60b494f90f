"""Whether this portal can serve: for the reverse proxy and monitoring (``/healthz``)."""

from flask import Blueprint

bp = Blueprint("health", __name__)
