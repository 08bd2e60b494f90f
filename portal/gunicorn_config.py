"""gunicorn's settings for the portal: ``gunicorn -c python:portal.gunicorn_config 'portal:create_app()'``.

Command-line options (``--workers``, ``--bind``) override what is here; so do ``PORTAL_BIND`` and
``PORTAL_WORKERS`` (or the usual ``WEB_CONCURRENCY``). Behind the reverse proxy set ``PORTAL_BEHIND_PROXY=true``
too. With ``PORTAL_ENV=production`` the master refuses to start (before any worker) when a setting or the
database is unsafe (``portal/production.py``).

Garbage collection: an LA overview builds a few thousand short-lived objects a request, and with Python's default
thresholds the collector keeps walking everything the worker loaded at start (the app, SQLAlchemy's mappers,
Jinja's compiled templates). That made one request in twenty two or three times slower than the rest (measured
in bench/, issue 21). Each worker, once the app is loaded, moves what it has so far out of the collector's sight
(``gc.freeze``) and collects the young generation less often.
"""

import gc
import os
import sys

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 4)
# An upload of a large evidence file over a slow school connection takes minutes, not seconds.
timeout = 300
graceful_timeout = 60
# The portal writes its own one line per request (portal/request_log.py); gunicorn's would repeat it.
accesslog = None
# Young objects a worker may allocate before a collection (Python's default is 700).
YOUNG_GENERATION_THRESHOLD = 50_000


def post_worker_init(worker):
    """After the worker has loaded the app: freeze what start-up made and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 50, 100)


def on_starting(server):
    """In the master, before any worker: tell each worker how many there are, in production refuse to start with
    unsafe settings or data (the message says what to fix), and remove uploads a killed server left unfinished."""
    from portal.production import UnsafeForProduction, before_serving

    os.environ["PORTAL_WORKERS"] = str(server.cfg.workers)
    try:
        removed = before_serving(server.cfg.workers)
    except UnsafeForProduction as refusal:
        server.log.error("%s", refusal)
        sys.exit(1)
    if removed:
        server.log.info("Removed %s unfinished uploads left by a server that stopped mid-upload", removed)
