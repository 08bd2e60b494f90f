"""A national-size dataset for the reminder scan: 20,000 schools and 120,000 review meetings across one academic
year, built through the portal's own models with bulk inserts (reproducible: no randomness, fixed dates).

Each school has a headteacher, a chair of governors and an adviser (one per 40 schools), an agreed plan, and six
half-termly RAP reviews, each with its three members. Meetings before the pinned day have their agenda sent,
evidence submitted and minutes circulated, except one school in ten, which is behind on all three (so the scan
has work to do); meetings to come have nothing yet.
"""

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from portal.auth.models import User
from portal.evidence.models import EvidenceItem, EvidenceStatus
from portal.extensions import db
from portal.meetings.models import MeetingMember, MeetingStatus, ReviewMeeting
from portal.minutes.models import MinutesStatus, MinutesVersion
from portal.plans.models import Plan, PlanKind, PlanStatus
from portal.schools.models import LocalAuthority, Role, School, SchoolRole
from portal.terms.rules import save_term_dates

TODAY = date(2026, 11, 25)  # a Wednesday in Autumn 2: the day every scan is run "as of"
HALF_TERMS = [(date(2026, 9, 2), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
              (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 3, 26)),
              (date(2027, 4, 12), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 21))]
CHUNK = 5000


def _rows(model, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def _ids(column, order_by):
    return list(db.session.scalars(select(column).order_by(order_by)))


def _meeting_day(half_term_start, school_number):
    """Spread the schools' meetings over the weekdays of weeks three to five of each half term."""
    day = half_term_start + timedelta(days=14 + school_number % 15)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def build(schools=20_000, per_adviser=40):
    """Build the dataset in the app's database (empty, migrated). Returns counts of what was made."""
    la = LocalAuthority(code="900", name="National Bench")
    db.session.add(la)
    year = save_term_dates(None, 2026, HALF_TERMS)
    db.session.flush()
    password = "!bench: no sign-in"
    advisers = schools // per_adviser + 1
    _rows(User, [{"email": f"adviser{n}@bench.example.org", "name": f"Adviser {n}", "password_hash": password}
                 for n in range(advisers)])
    _rows(User, [{"email": f"{who}{n}@bench.example.org", "name": f"{who.title()} {n}", "password_hash": password}
                 for n in range(schools) for who in ("head", "chair")])
    _rows(School, [{"urn": 300000 + n, "name": f"School {n:05d}", "phase": "Primary", "local_authority_id": la.id}
                   for n in range(schools)])
    school_ids = _ids(School.id, School.urn)
    users = dict(db.session.execute(select(User.email, User.id)).all())
    roles = []
    for n, school_id in enumerate(school_ids):
        roles += [{"school_id": school_id, "user_id": users[f"head{n}@bench.example.org"], "role": Role.HEADTEACHER},
                  {"school_id": school_id, "user_id": users[f"chair{n}@bench.example.org"], "role": Role.CHAIR_OF_GOVERNORS},
                  {"school_id": school_id, "user_id": users[f"adviser{n // per_adviser}@bench.example.org"],
                   "role": Role.ADVISER}]
    _rows(SchoolRole, roles)
    _rows(Plan, [{"school_id": school_id, "academic_year_id": year.id, "kind": PlanKind.RAP, "title": "Raising Achievement Plan",
                  "status": PlanStatus.AGREED} for school_id in school_ids])
    plans = dict(db.session.execute(select(Plan.school_id, Plan.id)).all())
    half_terms = sorted(year.half_terms, key=lambda h: h.number)
    meetings = []
    for n, school_id in enumerate(school_ids):
        behind = n % 10 == 0
        for half_term in half_terms:
            meets_on = _meeting_day(half_term.starts_on, n)
            held = meets_on < TODAY
            meetings.append({"school_id": school_id, "plan_id": plans[school_id], "half_term_id": half_term.id,
                             "kind_key": "rap_review", "meets_on": meets_on, "starts_at": time(16), "ends_at": time(17, 30),
                             "place": "The school", "chair": "", "status": MeetingStatus.SCHEDULED,
                             "uid": f"{uuid.UUID(int=n * 8 + half_term.number)}@bench",
                             "agenda_sent_at": datetime.combine(meets_on - timedelta(days=15), time(9)) if held and not behind
                             else None})
    _rows(ReviewMeeting, meetings)
    meeting_rows = db.session.execute(select(ReviewMeeting.id, ReviewMeeting.school_id, ReviewMeeting.meets_on)).all()
    people = {}
    for n, school_id in enumerate(school_ids):
        people[school_id] = [(users[f"head{n}@bench.example.org"], f"Head {n}", f"head{n}@bench.example.org", "Headteacher"),
                             (users[f"chair{n}@bench.example.org"], f"Chair {n}", f"chair{n}@bench.example.org",
                              "Chair of governors"),
                             (users[f"adviser{n // per_adviser}@bench.example.org"], f"Adviser {n // per_adviser}",
                              f"adviser{n // per_adviser}@bench.example.org", "Adviser")]
    _rows(MeetingMember, [{"meeting_id": meeting_id, "user_id": user_id, "name": name, "email": email, "role": role}
                          for meeting_id, school_id, _ in meeting_rows for user_id, name, email, role in people[school_id]])
    on_track = {school_id for n, school_id in enumerate(school_ids) if n % 10}
    done = [(meeting_id, school_id, meets_on) for meeting_id, school_id, meets_on in meeting_rows
            if meets_on < TODAY and school_id in on_track]
    _rows(EvidenceItem, [{"school_id": school_id, "meeting_id": meeting_id, "title": "Evidence for the review",
                          "status": EvidenceStatus.VERIFIED, "created_at": datetime.combine(meets_on - timedelta(days=8), time(9))}
                         for meeting_id, school_id, meets_on in done])
    _rows(MinutesVersion, [{"meeting_id": meeting_id, "school_id": school_id, "number": 1, "status": MinutesStatus.CONFIRMED,
                            "circulated_at": datetime.combine(meets_on + timedelta(days=7), time(9)),
                            "confirmed_at": datetime.combine(meets_on + timedelta(days=10), time(9))}
                           for meeting_id, school_id, meets_on in done])
    db.session.commit()
    return {"schools": len(school_ids), "meetings": len(meeting_rows), "users": len(users)}
