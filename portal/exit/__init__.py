"""Exit from intervention: the LA's exit criteria, each school's exit checklist, the adviser's recommendation and the
LA admin's decision (a new category, the school told, light-touch monitoring for a number of terms)."""

from flask import Blueprint

bp = Blueprint("exit", __name__, url_prefix="/schools/<int:school_id>/exit")
# The LA's list of exit criteria is not a school's page: it has its own address.
criteria_bp = Blueprint("exit_criteria", __name__, url_prefix="/exit-criteria")
