"""Demo data: one local authority, a dozen schools, a demo account for every role.

Loaded once: running it again changes nothing. Every demo account's password
is DEMO_PASSWORD (listed in the README); never load demo data in production.
"""

from datetime import date

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.schools.models import LocalAuthority, Role, School, SchoolRole
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

# 2026 to 2027: a plausible English year (Easter Sunday 2027 is 28 March).
TERM_DATES = (
    2026,
    [
        (date(2026, 9, 2), date(2026, 10, 23)),
        (date(2026, 11, 2), date(2026, 12, 18)),
        (date(2027, 1, 5), date(2027, 2, 12)),
        (date(2027, 2, 22), date(2027, 3, 26)),
        (date(2027, 4, 12), date(2027, 5, 28)),
        (date(2027, 6, 7), date(2027, 7, 21)),
    ],
)


def demo_loaded() -> bool:
    return db.session.scalar(select(User).where(User.email == PEOPLE[0][0])) is not None


def load_demo_data() -> bool:
    """Load the demo data unless it is already there; True when it was loaded now."""
    if demo_loaded():
        return False
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
    year = save_term_dates(None, *TERM_DATES)
    db.session.flush()
    _demo_self_evaluations(schools, users, year)
    _demo_plan_and_meetings(schools[140001], users, year)
    db.session.commit()
    return True


def _demo_plan_and_meetings(brookside, users, year):
    """Brookside's agreed RAP with a year of half-termly reviews; the autumn 1 review has been held."""
    from datetime import time

    from portal.meetings import rules as meetings
    from portal.meetings.models import Rag
    from portal.plans import rules as plans
    from portal.plans.models import PlanKind

    head, adviser = users["head.brookside@example.org"], users["adviser.north@example.org"]
    plan = plans.create_plan(brookside, head, kind=PlanKind.RAP, title="Raising Achievement Plan 2026 to 2027", academic_year=year)
    autumn1, autumn2, spring1, spring2, summer1, summer2 = year.half_terms
    reading = plans.save_priority(plan, None, title="Raise attainment in reading for disadvantaged pupils in key stage 2",
                                  description="The gap to other pupils widened to 18 percentage points in 2026.")
    plans.save_action(reading, None, description="Daily catch-up phonics for pupils below the expected standard",
                      owner="Reading lead", starts_on=date(2026, 9, 14), due_on=date(2027, 7, 16), cost="2 TA hours a day")
    plans.save_action(reading, None, description="Reading fluency training for all key stage 2 staff",
                      owner="Deputy headteacher", starts_on=date(2026, 10, 5), due_on=date(2026, 12, 11), cost="£1,200")
    plans.save_criterion(reading, None, description="75% of disadvantaged pupils reach the expected standard in reading",
                         milestones={autumn1: "55%", autumn2: "60%", spring1: "63%", spring2: "67%", summer1: "71%",
                                     summer2: "75%"})
    attendance = plans.save_priority(plan, None, title="Reduce persistent absence", description="")
    plans.save_action(attendance, None, description="Weekly attendance panel with the education welfare officer",
                      owner="Headteacher", starts_on=date(2026, 9, 7), due_on=None, cost="")
    plans.save_criterion(attendance, None, description="Persistent absence below 12%",
                         milestones={autumn1: "16%", autumn2: "15%", spring1: "14%", summer2: "12%"})
    db.session.flush()
    plans.agree(plan, adviser)
    closures = frozenset()
    dates = {half_term: meetings.suggested_date(half_term, closures) for half_term in year.half_terms}
    held = meetings.schedule_half_termly(brookside, adviser, plan=plan, dates=dates, starts_at=time(16), ends_at=time(17, 30),
                                         place="Brookside Primary School, staff room", chair="Alex Morgan")
    first = held[0]
    first.agenda = "1. Progress against each success criterion\n2. Evidence from the school\n3. Next steps"
    from datetime import datetime, timezone

    agenda_due = meetings.deadlines_for(first, closures=closures).agenda_due
    first.agenda_sent_at = datetime.combine(agenda_due, time(9), tzinfo=timezone.utc)
    db.session.flush()
    for criterion, rag, note in zip(plan.success_criteria, (Rag.AMBER, Rag.GREEN), ("54%: just below the milestone", "15.5%")):
        meetings.record_review(first, criterion, adviser, rag=rag, note=note, today=first.meets_on)
    meetings.add_next_step(first, description="Share the phonics tracker with governors", owner="Reading lead",
                           due_on=date(2026, 11, 20))
    db.session.flush()
    _demo_evidence(brookside, head, adviser, plan, held)
    _demo_minutes(first, users)
    from portal.visits.demo import add_demo_visits

    add_demo_visits(brookside, plan, adviser, head)
    from portal.comments.demo import add_demo_comments

    add_demo_comments(brookside, plan, adviser, head)


def _demo_minutes(meeting, users):
    """The autumn 1 review's minutes: circulated and confirmed by the chair; not yet at the full governing body."""
    from portal.minutes import rules as minutes

    adviser, head, chair = users["adviser.north@example.org"], users["head.brookside@example.org"], users["chair.brookside@example.org"]
    version = minutes.start_version(meeting, adviser)
    minutes.save_draft(
        version, attendance="Alex Morgan, LA lead (chair)\nSarah Lewis, headteacher\nMargaret Dunn, chair of governors\nPriya Shah, adviser",
        apologies="Kwame Mensah, governor",
        discussion=[{"priority": p.title, "text": text} for p, text in zip(meeting.plan.priorities, (
            "Phonics data shows 54% of disadvantaged pupils on track against a milestone of 55%. Catch-up groups started late.",
            "Persistent absence is 15.5%, ahead of the 16% milestone. The weekly panel is working."))],
        decisions="Catch-up phonics to run daily from 2 November. Governors to visit a session before the next review.",
        summary="", actions=[("Share the phonics tracker with governors", head, "", date(2026, 11, 20)),
                             ("Visit a catch-up phonics session", chair, "", date(2026, 12, 4))])
    minutes.circulate(version, meeting)
    db.session.flush()
    minutes.confirm(version, meeting, chair)


def _demo_evidence(brookside, head, adviser, plan, held):
    """Evidence for the first review (verified) and for the second (waiting in the adviser's queue)."""
    import io

    from flask import current_app

    from portal.evidence import rules as evidence
    from portal.evidence.files import check_head
    from portal.evidence.models import Decision
    from portal.evidence.storage import storage_for

    storage = storage_for(current_app.config)
    pdf = b"%PDF-1.4\n% Demo evidence: phonics tracker\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    csv_text = "Pupil group,Autumn 1,Autumn 2\nDisadvantaged,54%,58%\nOther,71%,73%\n".encode()
    for meeting, title, name, content, verify in (
        (held[0], "Phonics tracker, autumn 1", "phonics-tracker.pdf", pdf, True),
        (held[1], "Reading assessment, autumn 2", "reading-assessment.csv", csv_text, False),
    ):
        stored = storage.save(io.BytesIO(content), max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"], display_name=name)
        kept = evidence.keep_uploaded_file(brookside, head, stored, check_head(name, content), name)
        item = evidence.submit(brookside, head, meeting=meeting, title=title, narrative=f"{title}: progress of disadvantaged pupils.",
                               criteria=plan.success_criteria[:1], files=[kept], today=meeting.meets_on)
        if verify:
            db.session.flush()
            evidence.decide(item, adviser, decision=Decision.VERIFIED, comment="", today=meeting.meets_on)


def _demo_self_evaluations(schools, users, year):
    """Brookside: a validated self-evaluation on the older framework. Kingsway: one awaiting its adviser."""
    from portal.frameworks.ready_made import build_demo_frameworks
    from portal.inspections.models import Inspection
    from portal.self_evaluation import rules

    current, legacy = build_demo_frameworks()
    db.session.flush()
    brookside, kingsway = schools[140001], schools[140005]
    head, adviser = users["head.brookside@example.org"], users["adviser.north@example.org"]
    older = rules.start(brookside, legacy.published_version, head, "Summer 2026")
    db.session.flush()
    for judgement, (position, strengths, development) in zip(older.judgements, _LEGACY_ANSWERS):
        grade = legacy.published_version.scale.grades[position - 1]
        rules.save_judgement(judgement, head, grade_id=grade.id, strengths=strengths,
                             areas_for_development=development, evidence="Monitoring records and pupil progress data.", revision=0)
    rules.submit(older, head)
    for judgement in older.judgements:
        if judgement.area.key == "achievement":
            worse = legacy.published_version.scale.grades[2]
            rules.record_adviser_view(judgement, agrees=False, grade_id=worse.id,
                                      reason="Over-optimistic: the gap for disadvantaged pupils in reading widened this year.")
        else:
            rules.record_adviser_view(judgement, agrees=True, grade_id=None, reason="")
    rules.validate(older, adviser, "An accurate picture apart from outcomes, where the school is over-generous. Leaders know the priorities.")

    head_kingsway = users["exec.head@example.org"]
    latest = rules.start(kingsway, current.published_version, head_kingsway, "Autumn 2026", year)
    db.session.flush()
    for judgement in latest.judgements:
        grade = current.published_version.scale.grades[3]
        rules.save_judgement(judgement, head_kingsway, grade_id=grade.id,
                             strengths=f"Leaders have a clear plan for {judgement.area.title.lower()}.",
                             areas_for_development=f"Consistency in {judgement.area.title.lower()} across year groups.",
                             evidence="Lesson visits, work scrutiny and the autumn data drop.", revision=0)
    rules.save_safeguarding(latest, met=True, note="Single central record checked by the LA in September.")
    rules.submit(latest, head_kingsway)
    db.session.add(Inspection(school=kingsway, inspected_on=date(2025, 5, 14), inspection_type="Graded inspection (before November 2025)",
                              legacy_grade="Special measures", safeguarding_met=True))


# Brookside's summer self-evaluation on the four-point framework: (grade position, strengths, development)
_LEGACY_ANSWERS = [
    (2, "Senior leaders and governors share an accurate view of the school.", "Middle leaders' monitoring of their subjects."),
    (2, "Phonics teaching is consistent in early years and key stage 1.", "Challenge for the most able in mathematics."),
    (2, "Pupils behave well and say they feel safe.", "Persistent absence among disadvantaged pupils."),
    (2, "Attainment at the end of key stage 2 rose in writing.", "Reading outcomes for disadvantaged pupils."),
    (2, "Children settle quickly and make good progress in communication.", "Outdoor provision for mathematics."),
    (2, "A balanced budget with a small reserve.", "Long-term planning for falling rolls."),
]
