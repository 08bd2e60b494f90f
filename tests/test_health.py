"""/healthz for the reverse proxy and monitoring: the database, evidence storage and the scheduler's last run."""

from datetime import datetime, timedelta, timezone

from portal import clock, create_app
from portal.extensions import db
from portal.health import checks
from portal.reminders import scheduler


def test_healthz_answers_anyone_and_says_the_scheduler_has_not_run(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert (body["status"], body["database"], body["storage"]) == ("ok", "reachable", "writable")
    assert body["scheduler"] == {"last_run_finished_at": None, "on_time": False}


def test_a_scheduler_run_is_recorded_and_goes_late_after_three_intervals(app, client):
    scheduler.run_once(app)
    body = client.get("/healthz").get_json()
    assert body["scheduler"]["on_time"] is True
    finished = datetime.fromisoformat(body["scheduler"]["last_run_finished_at"])
    assert abs(finished - clock.now()) < timedelta(minutes=1)
    minutes = app.config["SCHEDULER_MINUTES"]
    with app.app_context():
        assert checks.scheduler(minutes, now=clock.now() + timedelta(minutes=minutes * 2))[0] is True
        late = checks.report(app.config, now=clock.now() + timedelta(minutes=minutes * 3 + 1))
    assert late[0] == 200 and late[1]["scheduler"]["on_time"] is False  # reported; the web workers still serve


def test_storage_that_cannot_be_written_fails_the_check_without_saying_where(app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the uploads folder should be")
    broken = create_app({**app.config, "UPLOAD_FOLDER": str(blocked)})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["storage"] == "not writable"
    assert str(tmp_path) not in response.get_data(as_text=True)
    with broken.app_context():
        db.session.remove()


def test_a_database_that_does_not_answer_fails_the_check(app, tmp_path):
    missing = tmp_path / "no-such-folder" / "portal.sqlite3"
    broken = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}",
                         "SQLALCHEMY_ENGINE_OPTIONS": {}})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failing" and body["database"] == "unreachable" and body["scheduler"]["on_time"] is False
    assert str(tmp_path) not in response.get_data(as_text=True)
    with broken.app_context():
        db.engine.dispose()


def test_the_run_record_keeps_what_the_run_did(app):
    started = datetime(2026, 11, 25, 7, tzinfo=timezone.utc)
    with app.app_context():
        scheduler.record_run(started, started + timedelta(seconds=4), queued=3, sent=2, failed=1)
        scheduler.record_run(started + timedelta(minutes=15), started + timedelta(minutes=15, seconds=2), queued=0,
                             sent=0, failed=0)
        from portal.reminders.models import SchedulerRun

        (run,) = db.session.query(SchedulerRun).all()
        assert (run.queued, run.sent, run.failed) == (0, 0, 0)
        assert clock.as_london(run.finished_at) == started + timedelta(minutes=15, seconds=2)
