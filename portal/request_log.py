"""One log line per request, as JSON: its id, the person, the route, the status and how long it took.

The id comes from the proxy's ``X-Request-ID`` when it sends a sensible one (so the proxy's log and the portal's
line up) and is made here otherwise; it goes back in the response's ``X-Request-ID``. The route is logged as its
rule (``/account/reset/<token>``), never the address asked for, and no query string, form field, header value or
file content is logged: addresses carry one-use tokens, forms carry passwords."""

import json
import logging
import re
import sys
import time
import uuid

from flask import g, request, session

log = logging.getLogger("portal.requests")
_SENSIBLE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def init_app(app):
    if not log.handlers and not app.config.get("TESTING"):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    app.before_request(_start)
    app.after_request(_finish)


def request_id():
    """This request's id (the proxy's, or one made here)."""
    return g.get("request_id", "")


def _start():
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _SENSIBLE_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = request_id()
    if log.isEnabledFor(logging.INFO):
        log.info("%s", json.dumps(line_for(response), separators=(",", ":")))
    return response


def line_for(response):
    """What is logged of a request: never the raw path, query, form, headers or body."""
    started = g.get("request_started")
    return {
        "request_id": request_id(),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        "user_id": _user_id(),
        "bytes": response.calculate_content_length(),
    }


def _user_id():
    """The signed-in person's id, without asking the database: the person the request loaded, or else the one its
    session names (a static file or /healthz loads nobody, and the database may be away)."""
    user = g.get("_login_user")
    if user is not None:
        return user.id if user.is_authenticated else None
    claimed = str(session.get("_user_id", "")).partition(".")[0]
    return int(claimed) if claimed.isdigit() else None
