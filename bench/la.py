"""A local-authority-size dataset for timing pages: one LA's 600 schools with five school years of the improvement
cycle behind them, built through the portal's own models (bulk inserts; reproducible: no randomness, fixed dates).

Why: pages get slow with the history an LA piles up after a few years (meetings, evidence, minutes, visits,
rounds, the audit log), which a one-year or one-table dataset never shows. bench/national.py builds a wider, thinner
set for the reminder scan; bench/run.py times pages on this one.

At 600 schools (everything keeps its proportions with ``schools``):
- one LA; 600 schools of mixed phases; 80 advisers (adviser0@bench.example.org has 40 schools, the others 7 or 8);
  a headteacher and a chair of governors at every school and a governor at three in eight (about 1,500 people);
  the LA admin admin@bench.example.org. Every password is PASSWORD.
- Term dates for 2022/23 to 2026/27; the data stops at 07:00 on TODAY (Wednesday 25 November 2026, Autumn 2).
- 250 schools with an agreed Raising Achievement Plan every year (3 priorities, 6 actions, 6 success criteria with
  half-termly milestones); 100 more have a draft this year.
- For those 250: a review meeting every half term, with its members. Each one held has its agenda sent, about
  10 pieces of evidence with their files (records only: no file is on disk) verified (some queried and answered
  first, a few not accepted), every criterion RAG-rated, a next step, minutes confirmed by the chair with the same
  digest the portal makes (one in 17 corrected by a second version first), the full governing body date and the
  sent reminders. This half term's reviews have evidence waiting for verification or with a query for the school;
  one plan school in 12 is behind (agenda, evidence, notes of visit and last half term's minutes or their
  confirmation overdue). Later meetings are scheduled with nothing yet.
- Visits with notes of visit (half-termly at plan schools, termly elsewhere): final, issued and waiting for the
  school's accuracy check, or drafts; a self-evaluation per school per year (older framework until 2025/26),
  validated or waiting for the adviser; one inspection per school.
- Categorisation on the neutral scheme: three rounds a year from Autumn 2022, the 12 already over published (the
  latest, Summer 2026, through portal.categories.rules), and Autumn 2026 open with proposals part-way.
- An audit event for each change recorded and an outbox row for each reminder sent.

Run (SQLite in a temporary folder unless --database names an empty database, e.g. a PostgreSQL one):

    .venv/bin/python bench/la.py [--schools 600] [--database URL]
"""

import argparse
import hashlib
import tempfile
import time as timer
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from types import SimpleNamespace

from sqlalchemy import JSON, Integer, event, func, insert, literal, null, select
from sqlalchemy.orm import aliased, selectinload

from portal import audit, clock
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.categories.models import (
    CategorisationRound,
    CategoryProposal,
    ChangeKind,
    IndicatorRating,
    IndicatorSource,
    ProposalStatus,
    Rating,
    RoundStatus,
    SchoolCategory,
)
from portal.clock import LONDON
from portal.evidence.models import (
    Decision,
    EvidenceFile,
    EvidenceItem,
    EvidenceStatus,
    EvidenceVersion,
    Verification,
    evidence_criterion,
)
from portal.extensions import db
from portal.inspections.models import Inspection
from portal.meetings.models import CriterionReview, MeetingMember, MeetingStatus, MeetingType, NextStep, Rag, ReviewMeeting
from portal.minutes.models import MinutesAction, MinutesStatus, MinutesVersion
from portal.minutes.rules import CURRENT_CANONICAL_FORM, digest_of
from portal.plans.models import Milestone, Plan, PlanAction, PlanAgreement, PlanKind, PlanStatus, Priority, SuccessCriterion
from portal.reminders.models import MessageStatus, OutboxMessage
from portal.schools.models import LocalAuthority, Role, School, SchoolRole
from portal.self_evaluation.models import AreaJudgement, EvaluationStatus, SelfEvaluation
from portal.terms.rules import deadline_settings, save_term_dates
from portal.visits.models import AccuracyResponse, FinalReason, NotesStatus, NotesVersion, Verdict, Visit, VisitKind
from portal.working_days import is_working_day, shift_working_days

TODAY = date(2026, 11, 25)  # a Wednesday in Autumn 2: the day the dataset is "as of"
NOW = datetime.combine(TODAY, time(7), tzinfo=LONDON)  # nothing of TODAY has happened yet
PAGES_AT = datetime.combine(TODAY, time(10), tzinfo=LONDON)  # when main() reads the pages
PASSWORD = "benchmark-password"
ADMIN_EMAIL = "admin@bench.example.org"
BUSIEST_ADVISER_EMAIL = "adviser0@bench.example.org"
FIRST_YEAR, CURRENT_YEAR = 2022, 2026
# This year's half terms, as bench/national.py; earlier years are the same weeks shifted back a year at a time.
HALF_TERMS = [(date(2026, 9, 2), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
              (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 3, 26)),
              (date(2027, 4, 12), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 21))]
CHUNK = 5000
URN_BASE = 400000
# Proportions, as at 600 schools: 80 advisers; adviser0 has one school in 15; 250 schools (5 in 12) have a plan.
SCHOOLS_PER_ADVISER = 7.5
BUSIEST_EVERY = 15

PHASES = ["Primary"] * 14 + ["Secondary"] * 3 + ["Nursery", "All-through", "Not applicable"]
PHASE_SUFFIX = {"Primary": "Primary School", "Secondary": "High School", "Nursery": "Nursery School",
                "All-through": "All-Through School", "Not applicable": "Special School"}
PLACES = ["Brookside", "Castlefield", "Meadowcroft", "Kingsway", "Riverside", "Oakfield", "Willowbrook", "Harbour Lane",
          "Elm Grove", "Moorlands", "Ashdown", "Beechwood", "Cedar Park", "Fairfield", "Greenacre", "Hillcrest",
          "Highfield", "Larkspur", "Millbrook", "Northgate", "Orchard", "Parkside", "Queensway", "Redhill",
          "Southfields", "Thornbury", "Upton", "Valley Road", "Westgate", "Yewtree"]
QUALIFIERS = ["Park", "Green", "Heath", "Vale", "Manor", "Meadow", "Rise", "Fields", "Hill", "Bridge", "Cross", "End",
              "Common", "Wood", "Gate", "Road", "Farm", "Mill", "Court", "View"]
FIRST_NAMES = ["Sarah", "David", "Helen", "Mark", "Amina", "Grace", "Peter", "Ruth", "Sam", "Joanne", "Owen", "Lucy",
               "Priya", "Tom", "Imran", "Margaret", "Kwame", "Jenny", "Robert", "Alex", "Fatima", "James", "Chloe",
               "Daniel", "Hannah", "Michael", "Olivia", "Ravi", "Sophie", "Thomas", "Aisha", "Ben", "Claire", "Ewan",
               "Farah", "George", "Isla", "Jack", "Leah", "Nadia"]
LAST_NAMES = ["Lewis", "Chen", "Ward", "Evans", "Yusuf", "Bell", "Novak", "Campbell", "Patel", "Reid", "Hughes", "Ford",
              "Shah", "Okafor", "Ali", "Dunn", "Mensah", "Holt", "Lane", "Morgan", "Khan", "Taylor", "Brown", "Wilson",
              "Clarke", "Wright", "Walker", "Hall", "Young", "King", "Green", "Baker", "Hill", "Scott", "Adams",
              "Mitchell", "Turner", "Carter", "Phillips", "Parker"]

# A plan's priorities: (title, description, [(action, owner, cost)], [(success criterion, six milestones)]).
PRIORITIES = [
    ("Raise attainment in reading for disadvantaged pupils", "The gap to other pupils widened last summer.",
     [("Daily catch-up phonics for pupils below the expected standard", "Reading lead", "2 TA hours a day"),
      ("Reading fluency training for all staff", "Deputy headteacher", "£1,200")],
     [("75% of disadvantaged pupils reach the expected standard in reading", ["55%", "60%", "63%", "67%", "71%", "75%"]),
      ("The reading age gap closes to under 6 months", ["14 months", "12 months", "10 months", "9 months", "7 months",
                                                       "6 months"])]),
    ("Reduce persistent absence", "Persistent absence is well above the national figure.",
     [("Weekly attendance panel with the education welfare officer", "Headteacher", ""),
      ("First-day calls and home visits for pupils below 90%", "Attendance officer", "£3,000")],
     [("Persistent absence below 12%", ["16%", "15%", "14%", "13.5%", "13%", "12%"]),
      ("Attendance of pupils with SEND above 93%", ["90%", "90.5%", "91%", "91.5%", "92%", "93%"])]),
    ("Strengthen the teaching of mathematics", "Pupils' fluency in number is weak at the end of each key stage.",
     [("Mastery approach to number in every class", "Maths lead", "£2,500"),
      ("Lesson study in pairs each half term", "Deputy headteacher", "Supply cover, 6 days")],
     [("80% of pupils reach the expected standard in mathematics", ["62%", "66%", "70%", "73%", "77%", "80%"]),
      ("Every teacher judged at least expected in maths lesson visits", ["60%", "70%", "75%", "85%", "95%", "100%"])]),
    ("Develop middle leaders' leadership of the curriculum", "Subject leaders do not yet check how well their "
                                                             "curriculum is taught.",
     [("Monitoring calendar for every subject leader", "Headteacher", ""),
      ("Subject leadership course with the LA", "Curriculum lead", "£900")],
     [("Every subject leader reports to governors once a year", ["2 of 9", "3 of 9", "5 of 9", "6 of 9", "8 of 9",
                                                                 "9 of 9"]),
      ("Curriculum maps complete for all foundation subjects", ["3", "5", "6", "7", "8", "9"])]),
    ("Improve provision for pupils with special educational needs", "Plans for pupils with SEND are not reviewed "
                                                                   "often enough.",
     [("Termly reviews of every SEND support plan with families", "SENCo", ""),
      ("Training on adaptive teaching for teaching assistants", "SENCo", "£1,500")],
     [("Every SEND support plan reviewed on time", ["40%", "60%", "75%", "85%", "95%", "100%"]),
      ("Pupils with SEND make expected progress in reading", ["50%", "55%", "60%", "65%", "70%", "75%"])]),
]
EVIDENCE_TITLES = ["Phonics tracker", "Reading assessment summary", "Attendance report", "Governors' visit note",
                   "Lesson visit record", "Work scrutiny summary", "Pupil progress data", "Parent survey results",
                   "Curriculum map", "Training log", "Behaviour log", "SEND provision map"]
FILE_KINDS = [("pdf", "application/pdf", "PDF"),
              ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel spreadsheet"),
              ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document")]
VISIT_KINDS = [VisitKind.MONITORING, VisitKind.VERIFICATION, VisitKind.SUPPORT, VisitKind.FOCUS]
GIAS_GRADES = {"Outstanding": "Outstanding", "Good": "Good", "Requires improvement": "Requires improvement",
               "Serious weaknesses": "Serious Weaknesses"}


# --- who and what ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str


@dataclass
class SchoolInfo:
    """One school, the people holding roles there, and what kind of story it has."""

    number: int
    name: str
    phase: str
    adviser: Person = None
    head: Person = None
    chair: Person = None
    governor: Person | None = None
    id: int = None

    @property
    def has_plan(self):
        """Five schools in twelve have an agreed plan every year (in categories C and D)."""
        return self.number % 12 < 5

    @property
    def drafting_plan(self):
        return self.number % 12 in (5, 6)

    @property
    def behind(self):
        """One plan school in twelve is behind with this half term's work."""
        return self.has_plan and self.number % 10 == 5


@dataclass
class PlanInfo:
    id: int
    school: SchoolInfo
    year: object
    priorities: list  # [(priority id, title, [(criterion id, description)])]

    @property
    def criteria(self):
        return [criterion for _, _, criteria in self.priorities for criterion in criteria]


@dataclass
class Review:
    """One half-termly review meeting and the dates its story runs on."""

    school: SchoolInfo
    plan: PlanInfo
    half_term: object
    meets_on: date
    deadlines: object
    number: int  # a running number, for variety
    this_half_term: bool = False
    behind: bool = False  # this half term's work is not done
    unconfirmed: bool = False  # last half term's minutes are overdue: not written, or waiting for the chair
    agenda_sent_at: datetime | None = None
    minutes: list = field(default_factory=list)  # [MinutesStory]
    id: int = None

    @property
    def held(self):
        return self.meets_on < TODAY

    @property
    def circulated_at(self):
        return next((m.circulated_at for m in self.minutes if m.circulated_at), None)


@dataclass
class MinutesStory:
    number: int
    status: MinutesStatus
    written_at: datetime
    circulated_at: datetime | None = None
    changes_requested: bool = False
    confirmed_at: datetime | None = None
    governing_body_on: date | None = None


def _summary(action):
    """What the portal's audit listener writes as the summary: "Minutes version updated"."""
    record_type, kind = action.split(".")
    return f"{record_type.replace('_', ' ').capitalize()} {kind}"


class AuditTrail:
    """Audit events for changes whose moment no column keeps (most are made from the rows: see _audit_events). The
    rules' own changes (term dates, frameworks, the scheme, the latest round) the portal's audit listener writes."""

    def __init__(self):
        self.rows = []

    def add(self, at, person, action, record_id, school_id, changes=None):
        self.rows.append({"at": at, "user_id": person.id if person else None, "actor": person.email if person else "system",
                          "action": action, "record_type": action.split(".")[0], "record_id": record_id,
                          "school_id": school_id, "summary": _summary(action), "changes": changes})


@dataclass
class Bench:
    """What the build knows as it goes: the people, schools, years, plans and reviews made so far."""

    school_count: int
    password_hash: str
    admin: Person = None
    advisers: list = field(default_factory=list)
    schools: list = field(default_factory=list)
    years: list = field(default_factory=list)  # AcademicYear, oldest first
    plans: dict = field(default_factory=dict)  # (school number, start year) -> PlanInfo
    reviews: list = field(default_factory=list)
    trail: AuditTrail = field(default_factory=AuditTrail)
    bulk_round_ids: list = field(default_factory=list)  # rounds inserted here, not run through the rules

    @property
    def half_terms(self):
        return [half_term for year in self.years for half_term in year.half_terms]

    def half_term_on(self, day):
        return next((h for h in self.half_terms if h.starts_on <= day <= h.ends_on), None)

    @cached_property
    def this_half_term(self):
        return self.half_term_on(TODAY)

    @cached_property
    def last_half_term(self):
        terms = self.half_terms
        return terms[terms.index(self.this_half_term) - 1]


# --- small helpers -----------------------------------------------------------------------------------------

def _rows(model, rows):
    """Bulk insert, a chunk at a time."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def _insert(model, rows):
    """Bulk insert, returning the new ids in the order of ``rows`` (for the rows that point at them)."""
    ids = []
    for start in range(0, len(rows), CHUNK):
        ids += db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                                  rows[start:start + CHUNK]).all()
    return ids


def _at(day, hour, minute=0):
    """``day`` at that London time, as the aware UTC moment the portal stores."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(timezone.utc)


def _working_days(day, count):
    return shift_working_days(day, count)


def _working_day_from(day):
    """``day``, or the next working day when it is a weekend or a bank holiday."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _person_name(number):
    return f"{FIRST_NAMES[number % 40]} {LAST_NAMES[(number * 7 + number // 40) % 40]}"


def _school_name(number, phase):
    name = f"{PLACES[number % 30]} {QUALIFIERS[(number // 30) % 20]} {PHASE_SUFFIX[phase]}"
    return name if number < 600 else f"{name} ({number // 600 + 1})"


def _fingerprint(*parts):
    """A stable hex digest standing in for a file's bytes or a storage key."""
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _half_terms_of(start_year):
    """HALF_TERMS moved back whole weeks to ``start_year`` (the same weekdays, within a day or two of the date)."""
    weeks = round((start_year - CURRENT_YEAR) * 365.25 / 7)
    return [(starts + timedelta(weeks=weeks), ends + timedelta(weeks=weeks)) for starts, ends in HALF_TERMS]


def _adviser_number(school_number, advisers):
    """adviser0 has every 15th school; the rest share the others in turn."""
    if school_number % BUSIEST_EVERY == 0 or advisers == 1:
        return 0
    others = school_number - school_number // BUSIEST_EVERY - 1
    return 1 + others % (advisers - 1)


# --- the build ---------------------------------------------------------------------------------------------

def build(schools=600):
    """Build the dataset in the app's database (empty, migrated; call inside an app context). Returns counts."""
    password_hash = hash_password(PASSWORD)  # once: hashing is slow, and every account shares it
    bench = Bench(school_count=schools, password_hash=password_hash)
    actor = audit.cli_actor.set(ADMIN_EMAIL)
    try:
        with clock.as_of(NOW):
            _people_and_schools(bench)
            _term_dates(bench)
            versions = _frameworks_and_scheme()
            _inspections(bench)
            _plans(bench)
            _review_meetings(bench)
            _evidence(bench)
            _visits(bench)
            _self_evaluations(bench, versions)
            _categorisation(bench, versions["scheme"])
            _audit_events(bench)
            db.session.commit()
    finally:
        audit.cli_actor.reset(actor)
    return counts()


def counts():
    """How many of each thing the database holds."""
    tables = {"schools": School, "users": User, "school roles": SchoolRole, "plans": Plan, "review meetings": ReviewMeeting,
              "evidence items": EvidenceItem, "evidence files": EvidenceFile, "verifications": Verification,
              "minutes versions": MinutesVersion, "visits": Visit, "self-evaluations": SelfEvaluation,
              "categorisation rounds": CategorisationRound, "category history": SchoolCategory,
              "audit events": AuditEvent, "outbox messages": OutboxMessage}
    found = {label: db.session.scalar(select(func.count()).select_from(model)) for label, model in tables.items()}
    found["advisers"] = db.session.scalar(select(func.count(func.distinct(SchoolRole.user_id)))
                                          .where(SchoolRole.role == Role.ADVISER))
    return found


def _people_and_schools(bench):
    """The LA, its schools, the LA admin, the advisers and each school's headteacher, chair and (some) governor."""
    joined = _at(date(FIRST_YEAR, 8, 1), 9)
    la = LocalAuthority(code="888", name="Bench Borough")
    db.session.add(la)
    db.session.flush()
    advisers = max(1, round(bench.school_count / SCHOOLS_PER_ADVISER))
    people = [(ADMIN_EMAIL, "Alex Morgan", True)]
    people += [(f"adviser{n}@bench.example.org", _person_name(1000 + n), False) for n in range(advisers)]
    for n in range(bench.school_count):
        people += [(f"head{n}@bench.example.org", _person_name(3 * n), False),
                   (f"chair{n}@bench.example.org", _person_name(3 * n + 1), False)]
        if n % 8 < 3:
            people.append((f"governor{n}@bench.example.org", _person_name(3 * n + 2), False))
    ids = _insert(User, [{"email": email, "name": name, "password_hash": bench.password_hash, "is_la_admin": admin,
                          "active": True, "created_at": joined, "session_generation": 0} for email, name, admin in people])
    by_email = {email: Person(user_id, email, name) for (email, name, _), user_id in zip(people, ids)}
    bench.admin = by_email[ADMIN_EMAIL]
    bench.advisers = [by_email[f"adviser{n}@bench.example.org"] for n in range(advisers)]
    for n in range(bench.school_count):
        phase = PHASES[n % len(PHASES)]
        bench.schools.append(SchoolInfo(
            number=n, name=_school_name(n, phase), phase=phase, adviser=bench.advisers[_adviser_number(n, advisers)],
            head=by_email[f"head{n}@bench.example.org"], chair=by_email[f"chair{n}@bench.example.org"],
            governor=by_email.get(f"governor{n}@bench.example.org")))
    school_ids = _insert(School, [{"urn": URN_BASE + s.number, "name": s.name, "phase": s.phase, "local_authority_id": la.id,
                                   "establishment_type": "Community school", "status": "Open", "head_name": s.head.name,
                                   "ofsted_grade": GIAS_GRADES[_last_inspection(s)[0]],
                                   "ofsted_inspected_on": _last_inspection(s)[1], "active": True, "created_at": joined,
                                   "updated_at": joined} for s in bench.schools])
    roles = []
    for school, school_id in zip(bench.schools, school_ids):
        school.id = school_id
        roles += [(school, school.head, Role.HEADTEACHER), (school, school.chair, Role.CHAIR_OF_GOVERNORS),
                  (school, school.adviser, Role.ADVISER)]
        if school.governor:
            roles.append((school, school.governor, Role.GOVERNOR))
    _rows(SchoolRole, [{"school_id": s.id, "user_id": p.id, "role": role, "created_at": joined} for s, p, role in roles])
    bench.trail.add(joined, bench.admin, "local_authority.created", la.id, None, {"name": la.name})


def _term_dates(bench):
    """Six half terms a year from 2022/23 to this year, entered by the LA admin through the portal's rule."""
    for start_year in range(FIRST_YEAR, CURRENT_YEAR + 1):
        with clock.as_of(_at(date(start_year, 8, 2), 10)):
            bench.years.append(save_term_dates(None, start_year, _half_terms_of(start_year)))
            db.session.flush()


def _frameworks_and_scheme():
    """The two ready-made self-evaluation frameworks (the four-point one first in use) and the neutral A to D category
    scheme, published and in use, through the portal's rules."""
    from portal.categories import schemes
    from portal.frameworks.ready_made import build_demo_frameworks

    with clock.as_of(_at(date(FIRST_YEAR, 8, 15), 10)):
        current, legacy = build_demo_frameworks()
        scheme_version = schemes.publish(schemes.scheme_from_data(schemes.ready_made("neutral")).versions[0])
        schemes.make_current(scheme_version.scheme)
        db.session.flush()
    return {"current": current.versions[0], "legacy": legacy.versions[0], "scheme": scheme_version}


def _last_inspection(school):
    """(grade, day) of the school's latest inspection, all before report cards (the LA's category follows it)."""
    n = school.number
    if school.has_plan:
        grade = "Serious weaknesses" if n % 24 == 0 else "Requires improvement"
    else:
        grade = "Outstanding" if n % 12 >= 10 else "Good"
    return grade, _working_day_from(date(2021 + n % 4, 1 + n % 11, 3 + n % 25))


def _inspections(bench):
    """Each school's latest inspection, recorded by its adviser: what the overview's inspection column shows."""
    rows = []
    for school in bench.schools:
        grade, inspected_on = _last_inspection(school)
        rows.append({"school_id": school.id, "inspected_on": inspected_on,
                     "inspection_type": "Graded inspection (before November 2025)", "area_grades": {},
                     "legacy_grade": grade, "safeguarding_met": True, "notes": "", "recorded_by_id": school.adviser.id,
                     "recorded_at": _at(max(inspected_on, date(FIRST_YEAR, 9, 1)), 12)})
    _rows(Inspection, rows)


# --- plans -------------------------------------------------------------------------------------------------

def _plan_priorities(school, year):
    """Three of the five priorities, a different three most years."""
    return [PRIORITIES[(school.number + year.start_year + j) % len(PRIORITIES)] for j in range(3)]


def _plan_kind(school):
    """A school in special measures or with serious weaknesses has a Statement of Action; the rest a RAP."""
    return PlanKind.STATEMENT_OF_ACTION if school.number % 24 == 0 else PlanKind.RAP


def _plans(bench):
    """Every year an agreed RAP at each plan school (agreed in its first weeks); a draft this year at a few others."""
    plans, stories = [], []
    for year in bench.years:
        begins = year.half_terms[0].starts_on
        for school in bench.schools:
            if school.has_plan:
                agreed, chosen = True, _plan_priorities(school, year)
            elif school.drafting_plan and year.start_year == CURRENT_YEAR:
                agreed, chosen = False, _plan_priorities(school, year)[:1]
            else:
                continue
            stories.append((school, year, chosen, agreed))
            plans.append({"school_id": school.id, "academic_year_id": year.id, "kind": _plan_kind(school),
                          "title": f"Raising Achievement Plan {year.start_year} to {year.start_year + 1}",
                          "status": PlanStatus.AGREED if agreed else PlanStatus.DRAFT,
                          "created_by_id": school.head.id, "created_at": _at(_working_days(begins, 3), 16)})
    plan_ids = _insert(Plan, plans)
    priorities = [{"plan_id": plan_id, "position": position, "title": title, "description": description}
                  for plan_id, (_, _, chosen, _) in zip(plan_ids, stories)
                  for position, (title, description, _, _) in enumerate(chosen)]
    priority_ids = iter(_insert(Priority, priorities))
    actions, criteria, owners = [], [], []
    for plan_id, (school, year, chosen, _) in zip(plan_ids, stories):
        begins, ends = year.half_terms[0].starts_on, year.half_terms[-1].ends_on
        for _, _, plan_actions, plan_criteria in chosen:
            priority_id = next(priority_ids)
            owners.append((plan_id, priority_id))
            actions += [{"priority_id": priority_id, "position": position, "description": text, "owner": owner, "cost": cost,
                         "starts_on": begins + timedelta(days=12 + 7 * position), "due_on": ends - timedelta(days=5)}
                        for position, (text, owner, cost) in enumerate(plan_actions)]
            criteria += [{"priority_id": priority_id, "position": position, "description": text}
                         for position, (text, _) in enumerate(plan_criteria)]
    action_ids = _insert(PlanAction, actions)
    criterion_ids = _insert(SuccessCriterion, criteria)
    _milestones_and_agreements(bench, plan_ids, stories, owners, actions, action_ids, criteria, criterion_ids)


def _milestones_and_agreements(bench, plan_ids, stories, owners, actions, action_ids, criteria, criterion_ids):
    """Each criterion's milestone per half term, and each agreed plan's agreement with its snapshot (as rules.snapshot
    keeps it)."""
    actions_by_priority, criteria_by_priority = {}, {}
    for row, action_id in zip(actions, action_ids):
        actions_by_priority.setdefault(row["priority_id"], []).append({**row, "id": action_id})
    for row, criterion_id in zip(criteria, criterion_ids):
        criteria_by_priority.setdefault(row["priority_id"], []).append({**row, "id": criterion_id})
    priorities_of = {}
    for plan_id, priority_id in owners:
        priorities_of.setdefault(plan_id, []).append(priority_id)
    milestones, agreements = [], []
    for plan_id, (school, year, chosen, agreed) in zip(plan_ids, stories):
        half_terms, snapshot_priorities, info = year.half_terms, [], []
        for priority_id, (title, description, _, plan_criteria) in zip(priorities_of[plan_id], chosen):
            plan_criteria_rows = criteria_by_priority[priority_id]
            for criterion, (_, texts) in zip(plan_criteria_rows, plan_criteria):
                milestones += [{"criterion_id": criterion["id"], "half_term_id": h.id, "text": text}
                               for h, text in zip(half_terms, texts)]
            info.append((priority_id, title, [(c["id"], c["description"]) for c in plan_criteria_rows]))
            snapshot_priorities.append({
                "id": priority_id, "title": title, "description": description,
                "actions": [{"id": a["id"], "description": a["description"], "owner": a["owner"], "cost": a["cost"],
                             "starts_on": a["starts_on"].isoformat(), "due_on": a["due_on"].isoformat()}
                            for a in actions_by_priority[priority_id]],
                "success_criteria": [{"id": c["id"], "description": c["description"],
                                      "milestones": {h.name: text for h, text in zip(half_terms, texts)}}
                                     for c, (_, texts) in zip(plan_criteria_rows, plan_criteria)]})
        if not agreed:
            continue
        bench.plans[(school.number, year.start_year)] = PlanInfo(plan_id, school, year, info)
        agreed_at = _at(_working_days(half_terms[0].starts_on, 6), 11)
        agreements.append({"plan_id": plan_id, "agreed_at": agreed_at, "agreed_by_id": school.adviser.id, "snapshot": {
            "title": f"Raising Achievement Plan {year.start_year} to {year.start_year + 1}", "kind": _plan_kind(school).label,
            "priorities": snapshot_priorities}})
    _rows(Milestone, milestones)
    _rows(PlanAgreement, agreements)


# --- review meetings, their minutes and reminders -------------------------------------------------------------

def _meeting_day(half_term, school_number):
    """Spread the schools' reviews over the working days of weeks three to five of each half term (as national.py),
    each adviser's schools on different days (adviser0 has every 15th school)."""
    return _working_day_from(half_term.starts_on + timedelta(days=14 + (school_number + school_number // 15) % 15))


def _review_stories(bench):
    """A review every half term of every agreed plan, with what has happened to it by NOW."""
    from portal.meetings.rules import deadlines_on

    kind = db.session.scalar(select(MeetingType).where(MeetingType.key == "rap_review"))
    settings = deadline_settings()
    reviews = []
    for (_, _), plan in sorted(bench.plans.items(), key=lambda item: (item[0][1], item[0][0])):
        school = plan.school
        for half_term in plan.year.half_terms:
            meets_on = _meeting_day(half_term, school.number)
            review = Review(school, plan, half_term, meets_on, deadlines_on(meets_on, kind, settings, frozenset()),
                            number=len(reviews), this_half_term=half_term is bench.this_half_term,
                            behind=school.behind and half_term is bench.this_half_term,
                            unconfirmed=school.behind and half_term is bench.last_half_term)
            agenda_sent = _at(review.deadlines.agenda_due, 9)
            if not review.behind and agenda_sent <= NOW:
                review.agenda_sent_at = agenda_sent
            review.minutes = _minutes_stories(review)
            reviews.append(review)
    return reviews


def _minutes_stories(review):
    """The minutes' versions so far: written the day after, circulated within 5 working days, confirmed 2 days later,
    to the full governing body a fortnight after that; one review in 17 has a first version sent back for changes.
    A school that is behind has last half term's minutes still to write, or waiting for the chair."""
    meets_on = review.meets_on
    written = _at(_working_days(meets_on, 1), 14)
    if not review.held or review.behind or written > NOW or (review.unconfirmed and review.school.number % 20 == 5):
        return []
    circulated, confirmed = _at(_working_days(meets_on, 5), 16), _at(_working_days(meets_on, 7), 9, 30)
    if review.number % 17 == 5 and _at(_working_days(meets_on, 9), 9, 30) <= NOW and not review.unconfirmed:
        first = MinutesStory(1, MinutesStatus.CHANGES_REQUESTED, written, circulated, changes_requested=True)
        confirmed = _at(_working_days(meets_on, 9), 9, 30)
        second = MinutesStory(2, MinutesStatus.CONFIRMED, _at(_working_days(meets_on, 6), 10),
                              _at(_working_days(meets_on, 7), 16), confirmed_at=confirmed)
        versions = [first, second]
    elif circulated > NOW:
        return [MinutesStory(1, MinutesStatus.DRAFT, written)]
    elif confirmed > NOW or review.unconfirmed:
        return [MinutesStory(1, MinutesStatus.CIRCULATED, written, circulated)]
    else:
        versions = [MinutesStory(1, MinutesStatus.CONFIRMED, written, circulated, confirmed_at=confirmed)]
    governing_body_on = confirmed.date() + timedelta(days=14)
    if governing_body_on < TODAY:
        versions[-1].governing_body_on = governing_body_on
    return versions


def _review_meetings(bench):
    """The meetings, then everything that hangs off them."""
    bench.reviews = reviews = _review_stories(bench)
    rows = []
    for review in reviews:
        school, agreed = review.school, _at(_working_days(review.plan.year.half_terms[0].starts_on, 6), 11)
        rows.append({"school_id": school.id, "plan_id": review.plan.id, "half_term_id": review.half_term.id,
                     "kind_key": "rap_review", "meets_on": review.meets_on, "starts_at": time(16), "ends_at": time(17, 30),
                     "place": school.name, "chair": bench.admin.name, "status": MeetingStatus.SCHEDULED,
                     "cancelled_reason": "", "uid": f"review-{school.number}-{review.half_term.id}@bench.example.org",
                     "sequence": 0, "agenda": _agenda(review.plan) if review.agenda_sent_at else "",
                     "agenda_sent_at": review.agenda_sent_at, "minutes_circulated_at": review.circulated_at,
                     "created_by_id": school.adviser.id, "created_at": agreed})
    for review, meeting_id in zip(reviews, _insert(ReviewMeeting, rows)):
        review.id = meeting_id
    _members(bench, reviews)
    _progress(bench, [r for r in reviews if r.held and not r.behind])
    _minutes(bench, [r for r in reviews if r.minutes])
    _reminders_sent(bench, [r for r in reviews if r.held])


def _agenda(plan):
    return "\n".join([f"{n}. {title}: progress against each success criterion" for n, (_, title, _) in
                      enumerate(plan.priorities, start=1)] + [f"{len(plan.priorities) + 1}. Evidence from the school",
                                                               f"{len(plan.priorities) + 2}. Next steps"])


def _members_of(bench, school):
    return [(school.head, "Headteacher"), (school.chair, "Chair of governors"), (school.adviser, "Adviser"),
            (bench.admin, "LA lead (chair)")]


def _members(bench, reviews):
    _rows(MeetingMember, [{"meeting_id": review.id, "user_id": person.id, "name": person.name, "email": person.email,
                           "role": role} for review in reviews for person, role in _members_of(bench, review.school)])


def _rag(review, position):
    return [Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.AMBER, Rag.RED][(review.school.number + review.half_term.number + position) % 5]


def _progress(bench, held):
    """Every success criterion RAG-rated at the meeting, and a next step agreed."""
    ratings, steps = [], []
    for review in held:
        recorded = _at(review.meets_on, 17, 30)
        for position, (criterion_id, _) in enumerate(review.plan.criteria):
            rag = _rag(review, position)
            ratings.append({"meeting_id": review.id, "criterion_id": criterion_id, "rag": rag,
                            "note": {Rag.GREEN: "On track for the milestone", Rag.AMBER: "Just below the milestone",
                                     Rag.RED: "Well below the milestone"}[rag],
                            "recorded_by_id": review.school.adviser.id, "recorded_at": recorded})
        due_on = review.meets_on + timedelta(days=21)
        steps.append({"meeting_id": review.id, "description": "Share the latest tracking with governors",
                      "owner": "Headteacher", "due_on": due_on, "done_at": _at(due_on, 12) if _at(due_on, 12) <= NOW else None})
    _rows(CriterionReview, ratings)
    _rows(NextStep, steps)


def _minutes_text(bench, review, number):
    """What the minutes say: the same wording each time, with the school's people and plan."""
    school = review.school
    attendance = "\n".join([f"{bench.admin.name}, LA lead (chair)", f"{school.head.name}, headteacher",
                            f"{school.chair.name}, chair of governors", f"{school.adviser.name}, adviser"])
    actions = [("Share the latest tracking with governors", school.head, review.meets_on + timedelta(days=21)),
               ("Visit the school to see the plan's work in lessons", school.chair, review.meets_on + timedelta(days=28))]
    return {
        "attendance": attendance,
        "apologies": f"{school.governor.name}, governor" if school.governor and review.number % 2 else "",
        "discussion": [{"priority": title, "text": f"Progress on {title.lower()} was reviewed against the "
                                                   f"{review.half_term.name} milestones."}
                       for _, title, _ in review.plan.priorities],
        "decisions": "The plan continues as agreed." + (" The wording of the attendance figures is corrected."
                                                        if number == 2 else ""),
        "summary": "",
        "actions_text": "\n".join(f"{text} ({person.name}, by {due.isoformat()})" for text, person, due in actions),
    }, actions


def _minutes(bench, reviews):
    """Each version's row (confirmed ones with the portal's digest of exactly what was confirmed) and its actions."""
    versions, stories, all_actions = [], [], []
    for review in reviews:
        school = review.school
        for story in review.minutes:
            content, actions = _minutes_text(bench, review, story.number)
            action_rows = [{"school_id": school.id, "description": text, "owner_id": person.id, "owner_name": person.name,
                            "due_on": due, "done_at": None, "done_by_id": None} for text, person, due in actions]
            if story.governing_body_on:
                for row in action_rows:
                    done = _at(story.governing_body_on, 20)
                    row["done_at"], row["done_by_id"] = done, row["owner_id"]
            confirmed = story.status == MinutesStatus.CONFIRMED
            digest = _digest(review.id, story.number, content, action_rows) if confirmed else None
            versions.append({
                "meeting_id": review.id, "school_id": school.id, "number": story.number, "status": story.status, **content,
                "document_name": None, "document_key": None, "document_sha256": None, "written_by_id": school.adviser.id,
                "created_at": story.written_at, "circulated_at": story.circulated_at,
                "change_request": "Please correct the attendance figures." if story.changes_requested else "",
                "change_requested_by_id": school.chair.id if story.changes_requested else None,
                "confirmed_at": story.confirmed_at, "confirmed_by_id": school.chair.id if confirmed else None,
                "digest": digest, "canonical_form": CURRENT_CANONICAL_FORM if confirmed else 1,
                "governing_body_on": story.governing_body_on,
                "governing_body_recorded_by_id": (school.governor or school.chair).id if story.governing_body_on else None})
            stories.append((review, story))
            all_actions.append(action_rows)
    version_ids = _insert(MinutesVersion, versions)
    actions = []
    for version_id, action_rows in zip(version_ids, all_actions):
        actions += [{**row, "version_id": version_id} for row in action_rows]  # inserted in order: the digest's order
    _insert(MinutesAction, actions)  # ids in this order, as the digest lists them
    for version_id, (review, story) in zip(version_ids, stories):
        _minutes_trail(bench.trail, version_id, review, story)


def _digest(meeting_id, number, content, actions):
    """The digest the portal's confirm() makes: portal.minutes.rules.digest_of over the same fields."""
    version = SimpleNamespace(meeting_id=meeting_id, number=number, document_name=None, document_sha256=None,
                              actions=[SimpleNamespace(**action) for action in actions], **content)
    return digest_of(version, CURRENT_CANONICAL_FORM)


def _minutes_trail(trail, version_id, review, story):
    """The changes no column dates: the chair's request for changes, and the full governing body date recorded."""
    school = review.school
    if story.changes_requested:
        trail.add(_at(_working_days(review.meets_on, 6), 9), school.chair, "minutes_version.updated", version_id, school.id,
                  {"status": ["circulated", "changes_requested"]})
    if story.governing_body_on:
        trail.add(_at(story.governing_body_on, 20), school.governor or school.chair, "minutes_version.updated", version_id,
                  school.id, {"governing_body_on": [None, story.governing_body_on.isoformat()]})


def _reminders_sent(bench, held):
    """The "meeting coming up" reminder each member got two working days before each meeting held."""
    from portal.templating import govuk_date

    rows = []
    for review in held:
        school, on = review.school, govuk_date(review.meets_on)
        sent = _at(_working_days(review.meets_on, -2), 7)
        subject = f"Coming up on {on}: {school.name}'s RAP review meeting"
        for person, _ in _members_of(bench, school):
            rows.append({"key": f"meeting:meeting-{review.id}:{person.email}:{review.meets_on}T1600", "kind": "meeting",
                         "recipient_email": person.email, "recipient_user_id": person.id, "school_id": school.id,
                         "subject": subject, "text_body": f"{school.name}'s RAP review meeting is on {on} at 16:00.",
                         "html_body": f"<p>{school.name}'s RAP review meeting is on {on} at 16:00.</p>",
                         "due_on": review.meets_on, "status": MessageStatus.SENT, "attempts": 1, "next_attempt_at": sent,
                         "last_error": "", "created_at": sent, "sent_at": sent, "cancelled_reason": ""})
    _rows(OutboxMessage, rows)


# --- evidence and verification -------------------------------------------------------------------------------

@dataclass
class EvidenceStory:
    review: Review
    position: int
    title: str
    submitted_at: datetime
    versions: list  # [(number, moment, narrative)]
    decisions: list  # [(version number, Decision, moment, comment)]

    @property
    def status(self):
        if not self.decisions:
            return EvidenceStatus.SUBMITTED
        number, decision, _, _ = self.decisions[-1]
        if decision == Decision.QUERY and len(self.versions) > number:
            return EvidenceStatus.SUBMITTED  # answered: back in the queue
        return {Decision.VERIFIED: EvidenceStatus.VERIFIED, Decision.QUERY: EvidenceStatus.QUERIED,
                Decision.NOT_ACCEPTED: EvidenceStatus.NOT_ACCEPTED}[decision]


def _evidence_stories(review):
    """About 10 pieces of evidence the day before the deadline; verified 2 working days after it (before the meeting),
    except one queried (answered the next day, verified the day after) in a third of reviews and one not accepted in
    every fifth; this half term's queries are still with the school. Only what has happened by NOW."""
    submitted_on = _working_days(review.deadlines.evidence_due, -1)
    if review.behind or _at(submitted_on, 15) > NOW:
        return []
    count = 8 + (review.school.number + review.half_term.number) % 5
    decided_on = _working_days(review.deadlines.evidence_due, 2)
    stories = []
    for position in range(count):
        title = f"{EVIDENCE_TITLES[(position + review.number) % len(EVIDENCE_TITLES)]}, {review.half_term.name}"
        submitted = _at(submitted_on, 15, position)
        story = EvidenceStory(review, position, title, submitted, [(1, submitted, f"{title}: what it shows.")], [])
        decided = _at(decided_on, 14, position)
        if position == count - 1 and (review.school.number + review.half_term.number) % 3 == 0:
            story.decisions.append((1, Decision.QUERY, decided, "Which pupils does this cover?"))
            if not review.this_half_term:
                story.versions.append((2, _at(_working_days(decided_on, 1), 10, position), "All of year 5 and year 6."))
                story.decisions.append((2, Decision.VERIFIED, _at(_working_days(decided_on, 2), 14, position), ""))
        elif position == count - 2 and review.number % 5 == 0:
            story.decisions.append((1, Decision.NOT_ACCEPTED, decided, "This is last year's data."))
        else:
            story.decisions.append((1, Decision.VERIFIED, decided, ""))
        story.versions = [v for v in story.versions if v[1] <= NOW]
        story.decisions = [d for d in story.decisions if d[2] <= NOW]
        stories.append(story)
    return stories


def _evidence(bench):
    """Items, their versions and files, the criteria they show progress on, and the adviser's decisions."""
    stories = [story for review in bench.reviews for story in _evidence_stories(review)]
    items = [{"school_id": s.review.school.id, "meeting_id": s.review.id, "title": s.title, "status": s.status,
              "late": False, "created_by_id": s.review.school.head.id, "created_at": s.submitted_at, "withdrawn_at": None}
             for s in stories]
    item_ids = _insert(EvidenceItem, items)
    criteria, versions, owners = [], [], []
    for story, item_id in zip(stories, item_ids):
        plan_criteria = story.review.plan.criteria
        criteria.append({"evidence_id": item_id, "criterion_id": plan_criteria[story.position % len(plan_criteria)][0]})
        for number, moment, narrative in story.versions:
            versions.append({"item_id": item_id, "number": number, "narrative": narrative,
                             "submitted_by_id": story.review.school.head.id, "submitted_at": moment})
            owners.append((story, item_id, number))
    db.session.execute(insert(evidence_criterion), criteria)
    version_ids = _insert(EvidenceVersion, versions)
    _files(bench, owners, versions, version_ids)
    decisions = []
    for story, item_id in zip(stories, item_ids):
        for number, decision, moment, comment in story.decisions:
            half_term = bench.half_term_on(moment.astimezone(LONDON).date())
            decisions.append({"item_id": item_id, "version_number": number, "decision": decision, "comment": comment,
                              "decided_by_id": story.review.school.adviser.id, "decided_at": moment,
                              "half_term_id": half_term.id if half_term else None, "school_id": story.review.school.id,
                              "visit_id": None})
    _rows(Verification, decisions)


def _files(bench, owners, versions, version_ids):
    """One file record per version (no file on disk: the pages read only the record)."""
    rows = []
    for (story, _, number), row, version_id in zip(owners, versions, version_ids):
        extension, mime_type, label = FILE_KINDS[(story.position + number) % len(FILE_KINDS)]
        slug = story.title.split(",")[0].lower().replace(" ", "-").replace("'", "")
        key = _fingerprint("key", version_id)[:32]
        rows.append({"version_id": version_id, "visit_id": None, "intervention_step_id": None,
                     "school_id": story.review.school.id, "uploaded_by_id": story.review.school.head.id,
                     "uploaded_at": row["submitted_at"], "display_name": f"{slug}-v{number}.{extension}",
                     "storage_key": f"{key[:2]}/{key}", "size": 20_000 + (version_id * 7919) % 2_000_000,
                     "sha256": _fingerprint("file", version_id), "mime_type": mime_type, "kind_label": label})
    _rows(EvidenceFile, rows)


# --- visits and notes of visit -------------------------------------------------------------------------------

def _visit_days(bench, school, year):
    """A visit each half term at a plan school (weeks three and four), each term elsewhere; none today or later.
    A school that is behind had this half term's visit early and still owes its notes."""
    for half_term in year.half_terms:
        if not school.has_plan and half_term.number % 2 == 0:
            continue
        day = half_term.starts_on + timedelta(days=14 + school.number % 7)
        if school.behind and half_term is bench.this_half_term:
            day = half_term.starts_on + timedelta(days=7)
        day = _working_day_from(day)
        if day < TODAY:
            yield half_term, day


def _visit_sections(plan, words):
    """The notes' sections: the plan's first priority and its first success criterion (as record_visit makes them)."""
    if plan is None:
        return []
    priority_id, title, criteria = plan.priorities[0]
    criterion_id, description = criteria[0]
    return [{"key": f"p{priority_id}", "heading": f"Priority 1: {title}", "priority_id": priority_id, "criterion_id": None,
             "seen": "Lessons and the leader's tracking." if words else "",
             "strengths": "Leaders know which pupils need the most help." if words else "", "next_steps": []},
            {"key": f"c{criterion_id}", "heading": f"Success criterion (priority 1): {description}", "priority_id": None,
             "criterion_id": criterion_id, "seen": "The latest assessment data." if words else "",
             "strengths": "Close to the milestone." if words else "", "next_steps": []}]


def _visit_row(bench, school, plan, half_term, day):
    """A visit and where its notes have got to by NOW: draft, issued (the school checks them), or final."""
    kind = VISIT_KINDS[half_term.number % 4] if plan else VisitKind.MONITORING
    issued = _at(_working_days(day, 3), 15, 30)
    response_due = _working_days(issued.astimezone(LONDON).date(), 5)
    answered, responded = school.number % 4 != 0, _at(_working_days(day, 4), 8, 10)
    owed = school.behind and half_term is bench.this_half_term
    if owed or issued > NOW:
        status, final_at, reason = NotesStatus.DRAFT, None, None
    elif answered and responded <= NOW:
        status, final_at, reason = NotesStatus.FINAL, responded, FinalReason.ACCURATE
    elif not answered and response_due < TODAY:
        status, final_at, reason = NotesStatus.FINAL, _at(response_due + timedelta(days=1), 7), FinalReason.NO_RESPONSE
    else:
        status, final_at, reason = NotesStatus.ISSUED, None, None
    written = status != NotesStatus.DRAFT
    focus = plan.priorities[0] if plan and kind == VisitKind.FOCUS else None
    return {"school_id": school.id, "plan_id": plan.id if plan else None, "visited_on": day, "kind": kind,
            "focus_priority_id": focus[0] if focus else None, "focus": focus[1] if focus else "",
            "people_seen": "The headteacher and the leaders of the plan's priorities", "adviser_id": school.adviser.id,
            "created_at": _at(day, 17), "status": status,
            "draft": {"summary": "Leaders are making steady progress on the plan." if written else "",
                      "sections": _visit_sections(plan, written)},
            "issued_at": issued if written else None, "response_due_on": response_due if written else None,
            "final_at": final_at, "final_reason": reason, "support_activity_id": None, "support_days": None}


def _visits(bench):
    """Visits with their notes: version 1 when issued, the school's accuracy answer, final when accepted or unanswered."""
    rows, schools = [], []
    for year in bench.years:
        for school in bench.schools:
            plan = bench.plans.get((school.number, year.start_year))
            for half_term, day in _visit_days(bench, school, year):
                rows.append(_visit_row(bench, school, plan, half_term, day))
                schools.append(school)
    visit_ids = _insert(Visit, rows)
    versions, responses = [], []
    for row, school, visit_id in zip(rows, schools, visit_ids):
        if row["issued_at"] is None:
            continue
        content = {**row["draft"], "kind": row["kind"].value, "visited_on": row["visited_on"].isoformat(),
                   "people_seen": row["people_seen"], "focus": row["focus"]}
        versions.append({"visit_id": visit_id, "school_id": school.id, "number": 1, "content": content,
                         "reason": "Issued to the school", "created_by_id": school.adviser.id, "created_at": row["issued_at"]})
        if row["final_reason"] == FinalReason.ACCURATE:
            responses.append({"visit_id": visit_id, "school_id": school.id, "version_number": 1,
                              "verdict": Verdict.ACCURATE, "comment": "", "responded_by_id": school.head.id,
                              "responded_at": row["final_at"]})
    _rows(NotesVersion, versions)
    _rows(AccuracyResponse, responses)


# --- self-evaluation ------------------------------------------------------------------------------------------

def _self_evaluations(bench, versions):
    """Each school's self-evaluation each autumn (the four-point framework until 2025/26, report cards since),
    validated by the adviser; this year a third still wait for the adviser."""
    evaluations, stories = [], []
    for year in bench.years:
        version = versions["current"] if year.start_year == CURRENT_YEAR else versions["legacy"]
        autumn1, autumn2 = year.half_terms[0], year.half_terms[1]
        for school in bench.schools:
            waiting = year.start_year == CURRENT_YEAR and school.number % 3 == 0
            submitted = _at(_working_days(autumn2.starts_on if waiting else autumn1.starts_on, 10 if waiting else 15), 17)
            validated = None if waiting else _at(_working_days(autumn1.starts_on, 25), 11)
            evaluations.append({
                "school_id": school.id, "version_id": version.id, "academic_year_id": year.id,
                "title": f"Autumn {year.start_year}",
                "status": EvaluationStatus.SUBMITTED if waiting else EvaluationStatus.VALIDATED,
                "safeguarding_met": True if version.has_safeguarding else None, "safeguarding_note": "",
                "adviser_summary": "" if waiting else "An accurate picture; leaders know their priorities.",
                "adviser_safeguarding_agrees": True if version.has_safeguarding and not waiting else None,
                "return_comments": "", "created_by_id": school.head.id,
                "created_at": _at(_working_days(autumn1.starts_on, 5), 16), "submitted_at": submitted,
                "submitted_by_id": school.head.id, "decided_at": validated,
                "decided_by_id": None if waiting else school.adviser.id})
            stories.append((school, version, waiting))
    evaluation_ids = _insert(SelfEvaluation, evaluations)
    _judgements(bench, evaluations, stories, evaluation_ids)


def _judgements(bench, evaluations, stories, evaluation_ids):
    """The school's grade and words per area; the adviser agrees, except one area graded lower at one school in four."""
    rows = []
    for row, (school, version, waiting), evaluation_id in zip(evaluations, stories, evaluation_ids):
        grades = version.scale.grades
        shape = SimpleNamespace(phase=school.phase, statutory_low_age=None, statutory_high_age=None, has_sixth_form=None)
        areas = [area for area in version.areas if area.applies_to_school(shape)]
        for position, area in enumerate(areas):
            base = 2 if school.has_plan else 1
            grade = grades[min(len(grades) - 1, base + (1 if (school.number + position) % 3 == 0 else 0))]
            lower = not waiting and school.number % 4 == 0 and position == 0
            rows.append({"self_evaluation_id": evaluation_id, "area_id": area.id, "grade_id": grade.id,
                         "strengths": f"Leaders have a clear plan for {area.title.lower()}.",
                         "areas_for_development": f"Consistency in {area.title.lower()} across year groups.",
                         "evidence": "Lesson visits, work scrutiny and the latest data.", "revision": 1,
                         "updated_at": row["submitted_at"], "updated_by_id": school.head.id,
                         "adviser_agrees": None if waiting else not lower,
                         "adviser_grade_id": grades[min(len(grades) - 1, grades.index(grade) + 1)].id if lower else None,
                         "adviser_reason": "Over-optimistic: outcomes fell this year." if lower else ""})
    _rows(AreaJudgement, rows)


# --- categorisation ---------------------------------------------------------------------------------------------

@dataclass
class RoundDates:
    name: str
    opens_on: date
    proposals_due_on: date
    moderation_on: date
    published_on: date


def _round_dates(bench):
    """Three rounds a year (autumn, spring, summer) from Autumn 2022: the week after Autumn 2, Spring 2 and Summer 2
    begin; proposals due two weeks later, moderation a week after, published within the week."""
    rounds = []
    for year in bench.years:
        for season, half_term in (("Autumn", year.half_terms[1]), ("Spring", year.half_terms[3]),
                                  ("Summer", year.half_terms[5])):
            opens_on = _working_day_from(half_term.starts_on + timedelta(days=7))
            moderation_on = _working_day_from(opens_on + timedelta(days=21))
            rounds.append(RoundDates(f"{season} {half_term.starts_on.year}", opens_on, opens_on + timedelta(days=14),
                                     moderation_on, _working_days(moderation_on, 3)))
    return [r for r in rounds if r.opens_on <= TODAY]


def _category_key(school, round_number):
    """Plan schools in C (targeted) or D (intensive), the others in A (secure) or B (some support), a few moving."""
    n = school.number
    if school.has_plan:
        return "intensive" if n % 12 == 0 or (n + round_number) % 7 == 0 else "targeted"
    secure = n % 12 >= 9
    if (n + round_number) % 11 == 0:
        secure = not secure
    return "secure" if secure else "some-support"


def _rating(school, indicator_position, round_number):
    turn = school.number + indicator_position + round_number
    if school.has_plan:
        return Rating.RED if turn % 5 == 0 else Rating.AMBER if turn % 5 in (1, 2) else Rating.GREEN
    return Rating.AMBER if turn % 6 == 0 else Rating.GREEN


def _agreed_as_proposed(bench, school, category, moderated_at):
    return {"status": ProposalStatus.AGREED, "agreed_category_id": category.id, "moderated_by_id": bench.admin.id,
            "moderated_at": moderated_at}


def _proposals(bench, round_id, round_number, version, dates, *, moderate=None, schools=None):
    """Each school's proposal (every indicator rated) from its adviser, sent three days before the deadline;
    ``moderate(bench, school, category, moderated at)`` gives the LA admin's decision (None: still to moderate)."""
    categories = {c.key: c for c in version.categories}
    schools = bench.schools if schools is None else schools
    proposed = _at(dates.proposals_due_on - timedelta(days=3), 16)
    moderated = min(_at(dates.moderation_on, 11), _at(TODAY - timedelta(days=1), 11))
    rows = []
    for school in schools:
        category = categories[_category_key(school, round_number)]
        rows.append({"round_id": round_id, "school_id": school.id, "status": ProposalStatus.PROPOSED,
                     "proposed_category_id": category.id, "reason": f"{category.name}: in line with the indicators.",
                     "proposed_by_id": school.adviser.id, "proposed_at": proposed, "agreed_category_id": None,
                     "moderation_reason": "", "moderated_by_id": None, "moderated_at": None})
        decision = moderate(bench, school, category, moderated) if moderate else None
        rows[-1].update(decision or {})
    proposal_ids = _insert(CategoryProposal, rows)
    ratings = [{"proposal_id": proposal_id, "indicator_id": indicator.id,
                "rating": _rating(school, position, round_number), "note": "",
                "suggested": None if indicator.source == IndicatorSource.ADVISER else _rating(school, position, round_number)}
               for school, proposal_id in zip(schools, proposal_ids) for position, indicator in enumerate(version.indicators)]
    _rows(IndicatorRating, ratings)
    return rows, proposal_ids


def _categorisation(bench, version):
    """The rounds so far: the old ones bulk inserted as published, the latest published through the portal's rules,
    and this autumn's open with proposals part-way."""
    from portal.categories import rules

    dates = _round_dates(bench)
    previous = {}
    for number, round_dates in enumerate(dates[:-2]):
        previous = _published_round(bench, version, number, round_dates, previous)
    admin = db.session.get(User, bench.admin.id)
    latest = dates[-2]
    with clock.as_of(_at(latest.opens_on, 9)):
        categorisation_round = rules.start_round(name=latest.name, opens_on=latest.opens_on,
                                                 proposals_due_on=latest.proposals_due_on, moderation_on=latest.moderation_on)
        db.session.flush()
    _proposals(bench, categorisation_round.id, len(dates) - 2, version, latest)
    with clock.as_of(_at(latest.moderation_on, 11)):
        for proposal in db.session.scalars(select(CategoryProposal).where(CategoryProposal.round_id == categorisation_round.id)
                                           .options(selectinload(CategoryProposal.proposed_category))):
            rules.agree(categorisation_round, proposal, admin)
        db.session.flush()
    with clock.as_of(_at(latest.published_on, 12)):
        rules.publish_round(categorisation_round, admin, latest.published_on)
        db.session.flush()
    _open_round(bench, version, len(dates) - 1, dates[-1])


def _published_round(bench, version, number, dates, previous):
    """A round long published: the round, every school's agreed proposal and its entry in the category history."""
    categories = {c.id: c for c in version.categories}
    published = _at(dates.published_on, 12)
    [round_id] = _insert(CategorisationRound, [{
        "name": dates.name, "version_id": version.id, "opens_on": dates.opens_on, "proposals_due_on": dates.proposals_due_on,
        "moderation_on": dates.moderation_on, "status": RoundStatus.PUBLISHED, "published_at": published,
        "created_at": _at(dates.opens_on, 9)}])
    bench.bulk_round_ids.append(round_id)
    rows, proposal_ids = _proposals(bench, round_id, number, version, dates, moderate=_agreed_as_proposed)
    entries = []
    for school, row, proposal_id in zip(bench.schools, rows, proposal_ids):
        category, before = categories[row["agreed_category_id"]], previous.get(school.id)
        entries.append({"school_id": school.id, "category_id": category.id, "kind": ChangeKind.ROUND, "round_id": round_id,
                        "proposal_id": proposal_id, "previous_category_id": before.id if before else None,
                        "reason": row["reason"], "effective_on": dates.published_on, "decided_by_id": bench.admin.id,
                        "decided_at": published, "letter_sent": category.requires_intervention and not (
                            before is not None and before.requires_intervention)})
    _rows(SchoolCategory, entries)
    bench.trail.add(published, bench.admin, "categorisation_round.updated", round_id, None, {"status": ["open", "published"]})
    return {school.id: categories[row["agreed_category_id"]] for school, row in zip(bench.schools, rows)}


def _moderated_so_far(bench, school, category, moderated_at):
    """In the open round the LA admin has agreed a third of the proposals and changed one in fifteen."""
    if school.number % 30 == 1:
        other = next(c for c in category.version.categories if c.id != category.id)
        return {"status": ProposalStatus.CHANGED, "agreed_category_id": other.id, "moderated_by_id": bench.admin.id,
                "moderated_at": moderated_at, "moderation_reason": "The figures since the proposal show a different picture."}
    return _agreed_as_proposed(bench, school, category, moderated_at) if school.number % 6 == 0 else None


def _open_round(bench, version, number, dates):
    """This autumn's round, opened through the rules: half the schools proposed (a third of those already agreed, a
    few changed at moderation), a sixth with a draft, the rest still to propose."""
    from portal.categories import rules

    with clock.as_of(_at(dates.opens_on, 9)):
        categorisation_round = rules.start_round(name=dates.name, opens_on=dates.opens_on,
                                                 proposals_due_on=dates.proposals_due_on, moderation_on=dates.moderation_on)
        db.session.flush()
    bench.bulk_round_ids.append(categorisation_round.id)  # its proposals are bulk inserted
    proposed = [s for s in bench.schools if s.number % 6 in (0, 1, 2)]
    _proposals(bench, categorisation_round.id, number, version, dates, moderate=_moderated_so_far, schools=proposed)
    drafting = [s for s in bench.schools if s.number % 6 == 3]
    draft_rows = [{"round_id": categorisation_round.id, "school_id": s.id, "status": ProposalStatus.DRAFT,
                   "proposed_category_id": None, "reason": "", "proposed_by_id": s.adviser.id, "proposed_at": None,
                   "agreed_category_id": None, "moderation_reason": "", "moderated_by_id": None, "moderated_at": None}
                  for s in drafting]
    draft_ids = _insert(CategoryProposal, draft_rows)
    _rows(IndicatorRating, [{"proposal_id": proposal_id, "indicator_id": indicator.id,
                             "rating": _rating(school, position, number), "note": "", "suggested": None}
                            for school, proposal_id in zip(drafting, draft_ids)
                            for position, indicator in enumerate(version.indicators[:4])])


# --- the audit log ---------------------------------------------------------------------------------------------

AUDIT_COLUMNS = ["at", "user_id", "actor", "action", "record_type", "record_id", "school_id", "summary", "changes"]


def _audit_from_rows(action, model, at, by, *, school=None, record=None, join=None, where=(), changes=None):
    """One audit event per row of ``model`` whose ``at`` is set, made in the database: a single INSERT ... SELECT
    however many rows (tens of times faster than sending each event, on PostgreSQL above all)."""
    by = by if hasattr(by, "expression") else literal(by, Integer)
    school = school if school is not None else getattr(model, "school_id", literal(None, Integer))
    actor = aliased(User)
    query = select(at, by, func.coalesce(actor.email, "system"), literal(action), literal(action.split(".")[0]),
                   record if record is not None else model.id, school, literal(_summary(action)),
                   null() if changes is None else literal(changes, JSON)).select_from(model)
    if join is not None:
        query = query.join(*join)
    query = query.outerjoin(actor, actor.id == by).where(at.is_not(None), *where)
    db.session.execute(insert(AuditEvent.__table__).from_select(AUDIT_COLUMNS, query))


def _audit_events(bench):
    """An audit event for each change the bulk inserts recorded, with who made it and when, as the portal's audit
    listener writes them (the changes it records are shortened here to the status that changed, if any)."""
    admin, bulk_rounds = bench.admin.id, bench.bulk_round_ids
    _rows(AuditEvent, bench.trail.rows)
    status = lambda before, after: {"status": [before, after]}  # noqa: E731
    _audit_from_rows("user.created", User, User.created_at, admin)
    _audit_from_rows("school.created", School, School.created_at, admin, school=School.id)
    _audit_from_rows("school_role.created", SchoolRole, SchoolRole.created_at, admin)
    _audit_from_rows("inspection.created", Inspection, Inspection.recorded_at, Inspection.recorded_by_id)
    _audit_from_rows("plan.created", Plan, Plan.created_at, Plan.created_by_id)
    of_plan = dict(school=Plan.school_id, join=(Plan, Plan.id == PlanAgreement.plan_id))
    _audit_from_rows("plan_agreement.created", PlanAgreement, PlanAgreement.agreed_at, PlanAgreement.agreed_by_id, **of_plan)
    _audit_from_rows("plan.updated", PlanAgreement, PlanAgreement.agreed_at, PlanAgreement.agreed_by_id, record=Plan.id,
                     changes=status("draft", "agreed"), **of_plan)
    _audit_from_rows("review_meeting.created", ReviewMeeting, ReviewMeeting.created_at, ReviewMeeting.created_by_id)
    _audit_from_rows("review_meeting.updated", ReviewMeeting, ReviewMeeting.agenda_sent_at, ReviewMeeting.created_by_id,
                     changes={"agenda_sent_at": [None, "set"]})
    _audit_from_rows("criterion_review.created", CriterionReview, CriterionReview.recorded_at, CriterionReview.recorded_by_id,
                     school=ReviewMeeting.school_id, join=(ReviewMeeting, ReviewMeeting.id == CriterionReview.meeting_id))
    _audit_from_rows("evidence_item.created", EvidenceItem, EvidenceItem.created_at, EvidenceItem.created_by_id)
    _audit_from_rows("evidence_version.created", EvidenceVersion, EvidenceVersion.submitted_at,
                     EvidenceVersion.submitted_by_id, school=EvidenceItem.school_id,
                     join=(EvidenceItem, EvidenceItem.id == EvidenceVersion.item_id), where=(EvidenceVersion.number > 1,))
    _audit_from_rows("verification.created", Verification, Verification.decided_at, Verification.decided_by_id)
    _audit_from_rows("minutes_version.created", MinutesVersion, MinutesVersion.created_at, MinutesVersion.written_by_id)
    _audit_from_rows("minutes_version.updated", MinutesVersion, MinutesVersion.circulated_at, MinutesVersion.written_by_id,
                     changes=status("draft", "circulated"))
    _audit_from_rows("minutes_version.updated", MinutesVersion, MinutesVersion.confirmed_at, MinutesVersion.confirmed_by_id,
                     changes=status("circulated", "confirmed"))
    _audit_from_rows("minutes_action.updated", MinutesAction, MinutesAction.done_at, MinutesAction.done_by_id,
                     changes={"done_at": [None, "set"]})
    _audit_from_rows("visit.created", Visit, Visit.created_at, Visit.adviser_id)
    _audit_from_rows("visit.updated", Visit, Visit.issued_at, Visit.adviser_id, changes=status("draft", "issued"))
    _audit_from_rows("notes_version.created", NotesVersion, NotesVersion.created_at, NotesVersion.created_by_id)
    _audit_from_rows("accuracy_response.created", AccuracyResponse, AccuracyResponse.responded_at,
                     AccuracyResponse.responded_by_id)
    _audit_from_rows("visit.updated", Visit, Visit.final_at, None, changes=status("issued", "final"))
    _audit_from_rows("self_evaluation.created", SelfEvaluation, SelfEvaluation.created_at, SelfEvaluation.created_by_id)
    _audit_from_rows("self_evaluation.updated", SelfEvaluation, SelfEvaluation.submitted_at, SelfEvaluation.submitted_by_id,
                     changes=status("draft", "submitted"))
    _audit_from_rows("self_evaluation.updated", SelfEvaluation, SelfEvaluation.decided_at, SelfEvaluation.decided_by_id,
                     changes=status("submitted", "validated"))
    in_bulk_rounds = (CategoryProposal.round_id.in_(bulk_rounds),)
    _audit_from_rows("category_proposal.created", CategoryProposal, CategoryProposal.proposed_at,
                     CategoryProposal.proposed_by_id, where=in_bulk_rounds)
    for decision in (ProposalStatus.AGREED, ProposalStatus.CHANGED):
        _audit_from_rows("category_proposal.updated", CategoryProposal, CategoryProposal.moderated_at,
                         CategoryProposal.moderated_by_id, where=(*in_bulk_rounds, CategoryProposal.status == decision),
                         changes=status("proposed", decision.value))
    _audit_from_rows("school_category.created", SchoolCategory, SchoolCategory.decided_at, SchoolCategory.decided_by_id,
                     where=(SchoolCategory.round_id.in_(bulk_rounds),))


# --- the pages to time -------------------------------------------------------------------------------------------

def sample_pages():
    """(label, email to sign in as, path) of the main pages, with ids from the built data (call in an app context).

    The school pages are school 0's: adviser0's, with an agreed plan, its Autumn 2 notes of visit waiting for the
    headteacher and its Autumn 2 minutes waiting for the chair; the meeting is its latest with confirmed minutes, the
    evidence its latest answered query, the visit its latest with final notes."""
    school = db.session.scalar(select(School).where(School.urn == URN_BASE))
    plan = db.session.scalar(select(Plan).where(Plan.school_id == school.id).order_by(Plan.academic_year_id.desc()).limit(1))
    meeting = db.session.scalar(
        select(ReviewMeeting).join(MinutesVersion, MinutesVersion.meeting_id == ReviewMeeting.id)
        .where(ReviewMeeting.school_id == school.id, MinutesVersion.status == MinutesStatus.CONFIRMED)
        .order_by(ReviewMeeting.meets_on.desc()).limit(1))
    item = db.session.scalar(  # the latest with a query answered: two versions and two decisions
        select(EvidenceItem).join(EvidenceVersion).where(EvidenceItem.school_id == school.id)
        .order_by(EvidenceVersion.number.desc(), EvidenceItem.id.desc()).limit(1))
    visit = db.session.scalar(select(Visit).where(Visit.school_id == school.id, Visit.status == NotesStatus.FINAL)
                              .order_by(Visit.visited_on.desc()).limit(1))
    open_round = db.session.scalar(select(CategorisationRound).where(CategorisationRound.status == RoundStatus.OPEN))
    caseload = db.session.scalar(select(func.count()).select_from(SchoolRole).join(User).where(
        User.email == BUSIEST_ADVISER_EMAIL, SchoolRole.role == Role.ADVISER))
    at_school = f"/schools/{school.id}"
    adviser = BUSIEST_ADVISER_EMAIL
    return [
        ("LA admin home (LA overview, page 1)", ADMIN_EMAIL, "/"),
        (f"Adviser home (adviser0, {caseload} schools)", adviser, "/"),
        ("Headteacher home", "head0@bench.example.org", "/"),
        ("Chair of governors home", "chair0@bench.example.org", "/"),
        ("LA overview: anything overdue", ADMIN_EMAIL, "/?overdue=any&sort=overdue"),
        ("Moderation page (open round)", ADMIN_EMAIL, f"/categories/rounds/{open_round.id}"),
        ("School page", adviser, at_school),
        ("Plan page", adviser, f"{at_school}/plans/{plan.id}"),
        ("Meeting page", adviser, f"{at_school}/meetings/{meeting.id}"),
        ("Evidence item page", adviser, f"{at_school}/evidence/{item.id}"),
        # Every school's queue: the longest, and never empty at the small size (adviser0's can be).
        ("Verification queue (LA admin)", ADMIN_EMAIL, "/verification"),
        ("Visit page (final notes)", adviser, f"{at_school}/visits/{visit.id}"),
        ("Minutes page (confirmed)", adviser, f"{at_school}/meetings/{meeting.id}/minutes"),
    ]


# --- running it ----------------------------------------------------------------------------------------------------

def _app(url):
    """The portal on this database, as bench/reminder_scan.py makes it, with the cheapest password hashing (sign-in
    is not what is timed) and no CSRF tokens (the test client posts the sign-in form directly)."""
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_IN_WEB": False,
                       "PUBLIC_URL": "https://portal.example.org", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                       "WTF_CSRF_ENABLED": False})


def _signed_in(app, email):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"{email} could not sign in ({response.status_code})")
    return client


def check_pages(app):
    """GET each sample page signed in as its person, on TODAY (the clock pinned, in this process); print the status,
    SQL statements and time of the second GET. Returns how many answers were not 200, plus any minutes whose digest
    did not match when shown (the minutes page logs those)."""
    with app.app_context():
        pages, engine = sample_pages(), db.engine
    statements = []

    def count(*_):
        statements.append(1)

    clients, failed = {}, 0
    with clock.as_of(PAGES_AT):
        for label, email, path in pages:
            if email not in clients:
                clients[email] = _signed_in(app, email)
            client = clients[email]
            failed += client.get(path).status_code != 200  # once first, so templates are compiled before timing
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            started = timer.perf_counter()
            response = client.get(path)
            elapsed = (timer.perf_counter() - started) * 1000
            event.remove(engine, "before_cursor_execute", count)
            failed += response.status_code != 200
            print(f"  {label:40} {response.status_code}  {len(statements):4d} SQL statements  {elapsed:8.1f} ms  {path}")
    with app.app_context():
        mismatches = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                       .where(AuditEvent.action == "minutes.mismatch_found"))
    print(f"  minutes whose digest did not match when shown: {mismatches}")
    return failed + mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--database", help="an empty database to build in (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-la-')}/la.sqlite3"
    from flask_migrate import upgrade

    app = _app(url)
    with app.app_context():
        upgrade()
        started = timer.perf_counter()
        built = build(schools=args.schools)
        seconds = timer.perf_counter() - started
    print(f"Built in {seconds:.1f} s ({url}):")
    for label, number in built.items():
        print(f"  {label:24} {number:9,}")
    print(f"Pages as of {PAGES_AT:%d %B %Y %H:%M} (test client, one process):")
    raise SystemExit(1 if check_pages(app) else 0)


if __name__ == "__main__":
    main()
