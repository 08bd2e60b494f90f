"""The demo data tells a plausible story on whatever day it is loaded: the school year around that day."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit import AuditEvent
from portal.categories.models import CategorisationRound, RoundStatus, SchoolCategory
from portal.clock import LONDON
from portal.intervention.models import InterventionStep
from portal.demo import DEMO_PASSWORD, PEOPLE
from portal.demo.calendar import story_start_year
from portal.extensions import db
from portal.meetings.models import ReviewMeeting
from portal.minutes.models import MinutesStatus, MinutesVersion
from portal.self_evaluation.models import EvaluationStatus, SelfEvaluation
from portal.terms.defaults import typical_term_dates
from portal.visits.models import NotesStatus, Visit
from tests.conftest import text_of

DAYS = [
    "2026-11-25T10:00",  # the autumn term's second half
    "2027-09-06T10:00",  # the first days of term, before the year's first review: last year's story
    "2027-12-24T10:00",  # Christmas Eve, in the holidays
    "2028-03-15T10:00",  # spring, a few days before a review
    "2028-07-30T10:00",  # the summer holidays: the whole year held
    "2029-05-31T06:30",  # before 7am on a half-term day
]


def test_typical_term_dates_follow_the_english_pattern():
    assert typical_term_dates(2026) == [
        (datetime(2026, 9, 2).date(), datetime(2026, 10, 23).date()), (datetime(2026, 11, 2).date(), datetime(2026, 12, 18).date()),
        (datetime(2027, 1, 5).date(), datetime(2027, 2, 12).date()), (datetime(2027, 2, 22).date(), datetime(2027, 3, 25).date()),
        (datetime(2027, 4, 12).date(), datetime(2027, 5, 28).date()), (datetime(2027, 6, 7).date(), datetime(2027, 7, 21).date())]
    for start in range(2026, 2040):
        dates = typical_term_dates(start)
        assert all(first.weekday() < 5 and last.weekday() < 5 and first <= last for first, last in dates)
        assert all(dates[n][1] < dates[n + 1][0] for n in range(5))


@pytest.mark.parametrize("day", DAYS)
def test_the_demo_makes_sense_on_any_day(app, client, travel, day):
    moment = travel(datetime.fromisoformat(day).replace(tzinfo=LONDON))
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    today = clock.today()
    with app.app_context():
        # The story is recorded on the days it happened, and nothing as happening after the demo was loaded.
        first, latest = db.session.execute(select(func.min(AuditEvent.at), func.max(AuditEvent.at))).one()
        assert clock.as_london(first) < moment - timedelta(days=60) and clock.as_london(latest) <= clock.now()
        meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.meets_on)).all()
        held = [m for m in meetings if m.meets_on < today]
        assert held and meetings[0].half_term.academic_year.start_year == story_start_year(today)
        confirmed = {v.meeting_id for v in db.session.scalars(select(MinutesVersion).where(
            MinutesVersion.status == MinutesStatus.CONFIRMED))}
        assert {m.id for m in held} == confirmed  # every held review has confirmed minutes
        assert all(m.agenda_sent_at is not None for m in held)
        waiting = db.session.scalar(select(SelfEvaluation).where(SelfEvaluation.status == EvaluationStatus.SUBMITTED))
        assert waiting is not None and clock.as_london(waiting.submitted_at).date() <= today
        visits = db.session.scalars(select(Visit).order_by(Visit.visited_on)).all()
        assert [v.status for v in visits] == [NotesStatus.FINAL, NotesStatus.ISSUED, NotesStatus.DRAFT]
        assert visits[1].response_due_on >= today and all(v.visited_on < today for v in visits)
        # Three published categorisation rounds and one part-way through, with proposals still to make.
        rounds = db.session.scalars(select(CategorisationRound).order_by(CategorisationRound.opens_on)).all()
        assert [r.status for r in rounds] == [RoundStatus.PUBLISHED] * 3 + [RoundStatus.OPEN]
        assert rounds[-1].opens_on <= today <= rounds[-1].proposals_due_on
        history_before = {e.round_id for e in db.session.scalars(select(SchoolCategory))}
        assert {r.id for r in rounds[:3]} <= history_before and rounds[-1].id not in history_before
        steps = db.session.scalars(select(InterventionStep).order_by(InterventionStep.issued_on)).all()
        assert [s.status.value for s in steps] == ["complied", "open"] and all(s.issued_on <= today for s in steps)
    for email, *_ in PEOPLE:
        client.delete_cookie("session")
        assert client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
        assert client.get("/").status_code == 200
    client.delete_cookie("session")
    client.post("/sign-in", data={"email": "adviser.north@example.org", "password": DEMO_PASSWORD})
    home = text_of(client.get("/"))
    assert "Validate Kingsway Junior School's" in home and "Notes of visit" in home
    assert "still need a proposed category" in home
