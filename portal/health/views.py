from flask import current_app, jsonify

from portal.access import public
from portal.extensions import csrf
from portal.health import bp
from portal.health.checks import report


@bp.route("/healthz")
@public
@csrf.exempt
def healthz():
    """For the reverse proxy and monitoring: 200 while this worker can serve, 503 when it cannot."""
    status, body = report(current_app.config)
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
