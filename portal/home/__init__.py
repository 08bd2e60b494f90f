"""Each person's home page: their schools now, what is due from them as the cycle lands."""

from flask import Blueprint

bp = Blueprint("home", __name__)

