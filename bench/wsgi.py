"""The portal as the benchmark serves it through gunicorn: ``gunicorn 'bench.wsgi:app'``.

The app is the portal's own (``create_app``), configured from BENCH_DATABASE_URL and BENCH_FOLDER, with two
additions that exist only here, never in a deployment:
- every response says how many SQL statements it took (header X-Bench-Statements), so statement counts are read
  through the same server that is timed, and which worker answered (X-Bench-Worker), so warming up can go on
  until every worker has the page in memory;
- every request runs as of BENCH_AS_OF (an ISO date and time, London) when it is set, so pages show the
  dataset as of its own day whatever the date of the run;
- ``/_bench/baseline?bytes=N`` renders N bytes of plain paragraphs through the same base template with no
  database work: the ceiling of this stack on this machine, timed beside each real page of the same size.
"""

import os
from datetime import datetime

from flask import g, render_template_string, request
from sqlalchemy import event

from portal import clock, create_app
from portal.access import public
from portal.extensions import db

PARAGRAPH = "<p class=\"govuk-body\">" + "The school's plan, its evidence and the adviser's notes. " * 4 + "</p>\n"
BASELINE = """{% extends "base.html" %}{% block title %}Baseline{% endblock %}
{% block content %}<h1 class="govuk-heading-l">Baseline</h1>{{ body }}{% endblock %}"""


def _config():
    folder = os.environ["BENCH_FOLDER"]
    return {"SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"], "SECRET_KEY": "benchmark-secret",
            "UPLOAD_FOLDER": os.path.join(folder, "uploads"), "MAIL_FOLDER": os.path.join(folder, "mail"),
            "IMPORT_FOLDER": os.path.join(folder, "imports"), "SCHEDULER_IN_WEB": False,
            "PASSWORD_HASH_PROFILE": "CHEAPEST", "PUBLIC_URL": "https://portal.example.org"}


def _count_statements(app):
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            try:
                g.bench_statements = g.get("bench_statements", 0) + 1
            except RuntimeError:  # outside a request (start-up)
                pass

    @app.after_request
    def say_how_many(response):
        response.headers["X-Bench-Statements"] = str(g.get("bench_statements", 0))
        response.headers["X-Bench-Worker"] = str(os.getpid())
        return response


def _baseline(app):
    @public
    def baseline():
        size = max(0, min(request.args.get("bytes", 20_000, type=int), 5_000_000))
        from markupsafe import Markup

        return render_template_string(BASELINE, body=Markup(PARAGRAPH * (size // len(PARAGRAPH) + 1)))

    app.add_url_rule("/_bench/baseline", "bench_baseline", baseline)


def _pin_clock(app, moment):
    def enter():
        g.bench_clock = clock.as_of(moment)
        g.bench_clock.__enter__()

    app.before_request_funcs.setdefault(None, []).insert(0, enter)  # before anything else reads the clock

    @app.teardown_request
    def leave(_error):
        pinned = g.pop("bench_clock", None)
        if pinned is not None:
            pinned.__exit__(None, None, None)


def make_app():
    app = create_app(_config())
    if os.environ.get("BENCH_AS_OF"):
        _pin_clock(app, datetime.fromisoformat(os.environ["BENCH_AS_OF"]).replace(tzinfo=clock.LONDON))
    _count_statements(app)
    _baseline(app)
    return app


app = make_app() if "BENCH_DATABASE_URL" in os.environ else None
