"""Demo data: one local authority, a dozen schools, a demo account for every role.

Loaded once: running it again changes nothing. Every demo account's password
is DEMO_PASSWORD (listed in the README); never load demo data in production.
"""

from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.demo.calendar import DemoCalendar
from portal.demo.categories import build_categorisation
from portal.demo.intervention import build_intervention
from portal.demo.review_year import build_review_year
from portal.demo.self_evaluations import build_self_evaluations
from portal.extensions import db
from portal.schools.models import LocalAuthority, Role, School, SchoolRole
from portal.terms.defaults import typical_term_dates
from portal.terms.rules import save_term_dates

DEMO_PASSWORD = "demo-password-2026"
DEMO_LA = ("870", "Demo Borough")

# urn, name, phase, type, Ofsted grade, inspected on, head (GIAS)
SCHOOLS = [
    (140001, "Brookside Primary School", "Primary", "Community school", "Requires improvement", date(2023, 2, 20), "Sarah Lewis"),
    (140002, "Castlefield Academy", "Secondary", "Academy converter", "Good", date(2022, 11, 9), "David Chen"),
    (140003, "Meadowcroft Nursery School", "Nursery", "Local authority nursery school", "Outstanding", date(2021, 6, 15), "Helen Ward"),
    (140004, "St Anne's C of E Primary School", "Primary", "Voluntary aided school", "Good", date(2024, 3, 6), "Mark Evans"),
    (140005, "Kingsway Junior School", "Primary", "Foundation school", "Special Measures", date(2025, 5, 14), "Amina Yusuf"),
    (140006, "Riverside Infant School", "Primary", "Community school", None, date(2026, 1, 21), "Grace Bell"),
    (140007, "Oakfield High School", "Secondary", "Voluntary controlled school", "Requires improvement", date(2024, 10, 2), "Peter Novak"),
    (140008, "Willowbrook All-Through School", "All-through", "Academy sponsor led", "Good", date(2023, 9, 27), "Ruth Campbell"),
    (140009, "Harbour Lane Special School", "Not applicable", "Community special school", "Outstanding", date(2022, 4, 5), "Sam Patel"),
    (140010, "Elm Grove Primary School", "Primary", "Academy converter", "Serious Weaknesses", date(2025, 2, 12), "Joanne Reid"),
    (140011, "Moorlands Sixth Form College", "16 plus", "Foundation school", None, date(2026, 3, 4), "Owen Hughes"),
    (140012, "Ashdown Middle School", "Middle deemed secondary", "Community school", "Good", date(2023, 12, 1), "Lucy Ford"),
]

# As GIAS records it for the secondary phases: Castlefield is 11 to 18, Oakfield 11 to 16 (others: not applicable).
SIXTH_FORMS = {140002: True, 140007: False, 140008: True, 140011: True, 140012: False}

# email, name, LA admin?, [(urn, role), ...]
PEOPLE = [
    ("la.admin@example.org", "Alex Morgan", True, []),
    ("adviser.north@example.org", "Priya Shah", False, [(urn, Role.ADVISER) for urn in (140001, 140003, 140004, 140005, 140006, 140010)]),
    ("adviser.south@example.org", "Tom Okafor", False, [(urn, Role.ADVISER) for urn in (140002, 140007, 140008, 140009, 140012)]),
    ("head.brookside@example.org", "Sarah Lewis", False, [(140001, Role.HEADTEACHER)]),
    ("deputy.brookside@example.org", "Imran Ali", False, [(140001, Role.SENIOR_LEADER)]),
    ("chair.brookside@example.org", "Margaret Dunn", False, [(140001, Role.CHAIR_OF_GOVERNORS)]),
    ("governor.brookside@example.org", "Kwame Mensah", False, [(140001, Role.GOVERNOR)]),
    ("clerk.brookside@example.org", "Jenny Holt", False, [(140001, Role.CLERK), (140005, Role.CLERK)]),
    ("head.castlefield@example.org", "David Chen", False, [(140002, Role.HEADTEACHER)]),
    ("exec.head@example.org", "Amina Yusuf", False, [(140005, Role.HEADTEACHER), (140010, Role.HEADTEACHER)]),
    ("chair.kingsway@example.org", "Robert Lane", False, [(140005, Role.CHAIR_OF_GOVERNORS)]),
]

def demo_loaded() -> bool:
    return db.session.scalar(select(User).where(User.email == PEOPLE[0][0])) is not None


def load_demo_data() -> bool:
    """Load the demo data unless it is already there; True when it was loaded now.

    The story happens in the school year around today (see ``portal.demo.calendar``), so the demo looks
    plausible on whatever day it is loaded."""
    if demo_loaded():
        return False
    calendar = DemoCalendar.now()
    start = calendar.start_year
    with calendar.as_of(typical_term_dates(start - 1)[0][0] - timedelta(days=14), 9):
        schools, users = _schools_and_people()
        years = {year: save_term_dates(None, year, typical_term_dates(year)) for year in (start - 1, start, start + 1)}
        db.session.flush()
    build_self_evaluations(calendar, schools, users, years)
    plan, held = build_review_year(calendar, schools[140001], users, years[start])
    _visits_and_comments(calendar, schools[140001], plan, held, users)
    build_categorisation(calendar, schools, users)
    build_intervention(calendar, schools, users)
    db.session.commit()
    return True


def _schools_and_people():
    local_authority = db.session.scalar(select(LocalAuthority).where(LocalAuthority.code == DEMO_LA[0]))
    if local_authority is None:
        local_authority = LocalAuthority(code=DEMO_LA[0], name=DEMO_LA[1])
        db.session.add(local_authority)
    schools = {}
    for urn, name, phase, kind, grade, inspected, head in SCHOOLS:
        school = db.session.scalar(select(School).where(School.urn == urn)) or School(urn=urn, local_authority=local_authority)
        school.name, school.phase, school.establishment_type = name, phase, kind
        school.ofsted_grade, school.ofsted_inspected_on, school.head_name = grade, inspected, head
        school.status = "Open"
        school.has_sixth_form = SIXTH_FORMS.get(urn)
        db.session.add(school)
        schools[urn] = school
    password_hash = hash_password(DEMO_PASSWORD)
    users = {}
    for email, name, is_admin, roles in PEOPLE:
        user = users[email] = User(email=email, name=name, is_la_admin=is_admin, password_hash=password_hash)
        db.session.add(user)
        for urn, role in roles:
            db.session.add(SchoolRole(user=user, school=schools[urn], role=role))
    return schools, users


def _visits_and_comments(calendar, brookside, plan, held, users):
    from portal.comments.demo import add_demo_comments
    from portal.visits.demo import add_demo_visits

    adviser, head = users["adviser.north@example.org"], users["head.brookside@example.org"]
    add_demo_visits(calendar, brookside, plan, adviser, head)
    add_demo_comments(calendar, brookside, plan, held, adviser, head)
