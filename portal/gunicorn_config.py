"""gunicorn's settings for the portal: ``gunicorn -c python:portal.gunicorn_config 'portal:create_app()'``.

Command-line options (``--workers``, ``--bind``) override what is here.

Garbage collection: an LA overview builds a few thousand short-lived objects a request, and with Python's default
thresholds the collector keeps walking everything the worker loaded at start (the app, SQLAlchemy's mappers,
Jinja's compiled templates). That made one request in twenty two or three times slower than the rest (measured
in bench/, issue 21). Each worker, once the app is loaded, moves what it has so far out of the collector's sight
(``gc.freeze``) and collects the young generation less often.
"""

import gc

# Young objects a worker may allocate before a collection (Python's default is 700).
YOUNG_GENERATION_THRESHOLD = 50_000


def post_worker_init(worker):
    """After the worker has loaded the app: freeze what start-up made and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 50, 100)
