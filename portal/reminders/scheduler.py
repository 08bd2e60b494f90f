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


def run_once(app, now=None):
    """One scan and one delivery run; what the periodic job does. Lapsed accuracy checks are made final first.

    Reminders are queued and sent only on working days; notices go out any day."""
    from portal.auth.throttle import forget_old
    from portal.reminders.outbox import deliver_due
    from portal.reminders.scan import kinds_held_on, scan, sending_day
    from portal.visits.rules import finalise_unanswered

    with app.app_context():
        day = sending_day(now or clock.now())
        finalise_unanswered(day)
        forget_old(now)
        scanned = scan(now)
        # Without a given time, deliver as of after the scan: what it just queued is due too.
        delivered = deliver_due(now, hold_kinds=kinds_held_on(day))
    app.logger.info("Reminders for %s%s: %s queued, %s cancelled; %s sent, %s failed", scanned["day"],
                    "" if scanned["working_day"] else " (not a working day: reminders wait)", scanned["queued"],
                    scanned["cancelled"], delivered["sent"], delivered["failed"])
    return scanned, delivered


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
