"""The checks behind ``/healthz``, as plain functions: each answers ``(ok, detail)`` and never raises.

They say what is wrong in a word, not why: the endpoint answers anyone, so no error text, address or path goes out
(the log has those)."""

import io
import logging
from datetime import timedelta

from sqlalchemy import select, text

from portal import clock
from portal.extensions import db

log = logging.getLogger(__name__)

# The scheduler is late when its last finished run is older than this many of its intervals.
LATE_AFTER_INTERVALS = 3


def database():
    """The database answers a query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True, "reachable"
    except Exception:  # noqa: BLE001 - any failure means "not reachable"; the log keeps the reason
        log.exception("Health check: the database did not answer")
        db.session.rollback()
        return False, "unreachable"


def storage(config):
    """Evidence storage takes a small file and gives it back to delete (the local folder or the S3 bucket)."""
    from portal.evidence.storage import storage_for

    try:
        store = storage_for(config)
        stored = store.save(io.BytesIO(b"health check"), max_bytes=1024, display_name="health-check.txt")
        store.delete(stored.key)
        return True, "writable"
    except Exception:  # noqa: BLE001
        log.exception("Health check: evidence storage is not writable")
        return False, "not writable"


def scheduler(minutes_between_runs, now=None):
    """When the reminder scheduler last finished a run, and whether that is recent enough: (ok, ISO time or None)."""
    from portal.reminders.models import SchedulerRun

    try:
        run = db.session.scalar(select(SchedulerRun).where(SchedulerRun.id == 1))
    except Exception:  # noqa: BLE001
        log.exception("Health check: could not read the scheduler's last run")
        db.session.rollback()
        return False, None
    if run is None or run.finished_at is None:
        return False, None
    finished = clock.as_london(run.finished_at)
    late = (now or clock.now()) - finished > timedelta(minutes=minutes_between_runs * LATE_AFTER_INTERVALS)
    return not late, finished.isoformat(timespec="seconds")


def report(config, now=None):
    """Everything ``/healthz`` says: (HTTP status, body). 503 when the database or storage fails; a late scheduler
    is reported but does not take the web workers out of the proxy's rotation (they still serve)."""
    database_ok, database_detail = database()
    storage_ok, storage_detail = storage(config)
    scheduler_ok, last_run = scheduler(config["SCHEDULER_MINUTES"], now) if database_ok else (False, None)
    body = {
        "status": "ok" if database_ok and storage_ok else "failing",
        "database": database_detail,
        "storage": storage_detail,
        "scheduler": {"last_run_finished_at": last_run, "on_time": scheduler_ok},
        "checked_at": (now or clock.now()).astimezone(clock.LONDON).isoformat(timespec="seconds"),
    }
    return (200 if body["status"] == "ok" else 503), body
