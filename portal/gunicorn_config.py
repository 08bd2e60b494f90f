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

Memory for uploads: an upload is read 1 MiB at a time, and with glibc's defaults each piece above 128 KiB is a
fresh ``mmap`` the kernel must zero, handed back as soon as it is freed, hundreds of times a file (a 500 MB upload
arrived at a third of the speed it manages once the worker keeps that memory). Each worker has glibc serve
pieces up to 4 MiB from memory it keeps, and hand back free memory only past 32 MiB (``mallopt``; elsewhere this
does nothing).
"""

import ctypes
import ctypes.util
import gc
import os
import platform
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


# glibc's mallopt(3) parameters, and what the workers use (see the module).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEEP_PIECES_UP_TO = 4 * 1024 * 1024
HAND_BACK_PAST = 32 * 1024 * 1024


def keep_upload_memory() -> bool:
    """Have glibc keep the memory of freed upload pieces for the next ones (see the module); False elsewhere."""
    if platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return bool(libc.mallopt(M_MMAP_THRESHOLD, KEEP_PIECES_UP_TO) and libc.mallopt(M_TRIM_THRESHOLD, HAND_BACK_PAST))


def post_worker_init(worker):
    """After the worker has loaded the app: freeze what start-up made and collect less often; keep upload memory."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 50, 100)
    keep_upload_memory()


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
