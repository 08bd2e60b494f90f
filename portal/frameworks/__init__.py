"""The LA's self-evaluation framework: grading scales, areas, descriptors, versions."""

from flask import Blueprint

bp = Blueprint("frameworks", __name__, url_prefix="/admin/frameworks")
