"""Support packages: the LA's templates of support activities, and each school's package applied from one on a trigger date."""

from flask import Blueprint

bp = Blueprint("support", __name__)
