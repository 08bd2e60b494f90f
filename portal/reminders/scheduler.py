"""APScheduler runs two periodic jobs: the reminder scan with a delivery run, and a frequent delivery run.

There is deliberately no job per reminder: the database decides what is due, and the outbox's unique
keys make a second scheduler (or a job run twice) harmless. Notices of something that just happened
(a query on evidence, minutes circulated) are queued by the request that made the change; the delivery
job sends them within a minute, and at once when the scheduler runs in the same process (``wake``).
Run it inside the web process only when there is one process (``make run``); with several web workers
run ``flask --app portal scheduler`` once.
"""

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from portal import clock

log = logging.getLogger(__name__)
# An upload's part file untouched this long belongs to a worker that was killed (one still arriving is written to
# all the while); each run removes them, between server restarts.
UNFINISHED_UPLOAD_SECONDS = 24 * 60 * 60


def run_once(app, now=None):
    """One scan and one delivery run; what the periodic job does. Lapsed accuracy checks are made final first.

    Reminders are queued and sent only on working days; notices go out any day."""
    from portal.auth import kept_forms
    from portal.auth.throttle import forget_old
    from portal.evidence.storage import remove_unfinished_uploads
    from portal.reminders.outbox import deliver_due
    from portal.reminders.scan import kinds_held_on, scan, sending_day
    from portal.visits.rules import finalise_unanswered

    with app.app_context():
        started_at = clock.now()
        day = sending_day(now or started_at)
        finalise_unanswered(day)
        forget_old(now)
        kept_forms.forget_old(now)
        remove_unfinished_uploads(app.config, older_than_seconds=UNFINISHED_UPLOAD_SECONDS)
        scanned = scan(now)
        # Without a given time, deliver as of after the scan: what it just queued is due too.
        delivered = deliver_due(now, hold_kinds=kinds_held_on(day))
        record_run(started_at, clock.now(), queued=scanned["queued"], sent=delivered["sent"], failed=delivered["failed"])
    app.logger.info("Reminders for %s%s: %s queued, %s cancelled; %s sent, %s failed", scanned["day"],
                    "" if scanned["working_day"] else " (not a working day: reminders wait)", scanned["queued"],
                    scanned["cancelled"], delivered["sent"], delivered["failed"])
    return scanned, delivered


def record_run(started_at, finished_at, *, queued, sent, failed):
    """Keep when this run started and finished (one row, for ``/healthz``): a scheduler that stopped shows."""
    from portal.extensions import db
    from portal.reminders.models import SchedulerRun

    run = db.session.get(SchedulerRun, 1) or SchedulerRun(id=1)
    run.started_at, run.finished_at, run.queued, run.sent, run.failed = started_at, finished_at, queued, sent, failed
    db.session.add(run)
    db.session.commit()


def deliver_notices(app, now=None):
    """Send whatever is queued and due now, reminders included only on a working day."""
    from portal.reminders.outbox import deliver_due
    from portal.reminders.scan import kinds_held_on, sending_day

    now = now or clock.now()
    with app.app_context():
        delivered = deliver_due(now, hold_kinds=kinds_held_on(sending_day(now)))
    if delivered["sent"] or delivered["failed"]:
        app.logger.info("Outbox: %s sent, %s failed", delivered["sent"], delivered["failed"])
    return delivered


def _configure(scheduler, app):
    # coalesce + one instance: a job delayed by a restart runs once, not once per missed interval;
    # a long grace time: a run delayed more than APScheduler's default 1 second is not silently skipped.
    scheduler.add_job(run_once, "interval", args=[app], minutes=app.config["SCHEDULER_MINUTES"], id="reminders",
                      coalesce=True, max_instances=1, misfire_grace_time=3600, next_run_time=clock.now())
    scheduler.add_job(deliver_notices, "interval", args=[app], seconds=app.config["OUTBOX_SECONDS"], id="outbox",
                      coalesce=True, max_instances=1, misfire_grace_time=600)
    return scheduler


_running = {}


def start_in_background(app):
    """One background scheduler per process (`flask run` may build the app more than once)."""
    if "scheduler" not in _running:
        scheduler = _configure(BackgroundScheduler(timezone="Europe/London"), app)
        scheduler.start()
        _running["scheduler"] = scheduler
    return _running["scheduler"]


def wake():
    """Deliver the outbox now, if this process runs the scheduler (otherwise the scheduler process's next run)."""
    scheduler = _running.get("scheduler")
    if scheduler is not None and scheduler.running:
        try:
            scheduler.modify_job("outbox", next_run_time=clock.now())
        except Exception:  # noqa: BLE001 - never fail a request because the scheduler is shutting down
            log.warning("Could not wake the outbox delivery job", exc_info=True)


def run_forever(app):
    _configure(BlockingScheduler(timezone="Europe/London"), app).start()
