"""The LA admin's pages: users and roles, schools and the GIAS import, term dates, the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

