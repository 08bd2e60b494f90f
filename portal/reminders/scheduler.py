"""APScheduler runs one periodic job that scans for due reminders and delivers the outbox.

There is deliberately no job per reminder: the database decides what is due, and the outbox's unique
keys make a second scheduler (or a job run twice) harmless. Run it inside the web process only when
there is one process (``make run``); with several web workers run ``flask --app portal scheduler`` once.
"""

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler


def run_once(app, now=None):
    """One scan and one delivery run; what the periodic job does. Lapsed accuracy checks are made final first."""
    from portal.reminders.outbox import deliver_due
    from portal.reminders.scan import scan, sending_day
    from portal import clock
    from portal.visits.rules import finalise_unanswered

    from portal.auth.throttle import forget_old

    with app.app_context():
        finalise_unanswered(sending_day(now or clock.now()))
        forget_old(now)
        scanned = scan(now)
        delivered = deliver_due(now)
    app.logger.info("Reminders for %s: %s queued, %s cancelled; %s sent, %s failed", scanned["day"], scanned["queued"],
                    scanned["cancelled"], delivered["sent"], delivered["failed"])
    return scanned, delivered


def _configure(scheduler, app):
    # coalesce + one instance: a job delayed by a restart runs once, not once per missed interval;
    # a long grace time: a run delayed more than APScheduler's default 1 second is not silently skipped.
    scheduler.add_job(run_once, "interval", args=[app], minutes=app.config["SCHEDULER_MINUTES"], id="reminders",
                      coalesce=True, max_instances=1, misfire_grace_time=3600, next_run_time=_now())
    return scheduler


def _now():
    from portal import clock

    return clock.now()


_running = {}


def start_in_background(app):
    """One background scheduler per process (`flask run` may build the app more than once)."""
    if "scheduler" not in _running:
        scheduler = _configure(BackgroundScheduler(timezone="Europe/London"), app)
        scheduler.start()
        _running["scheduler"] = scheduler
    return _running["scheduler"]


def run_forever(app):
    _configure(BlockingScheduler(timezone="Europe/London"), app).start()
