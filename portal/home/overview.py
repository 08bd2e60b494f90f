"""The LA's picture at a glance: one row per school with what needs attention, in a fixed number of statements.

Used for the LA admin's overview, an adviser's caseload and anyone else who sees several schools. Each column
is loaded for every school on the page at once (never one query per school), so the page costs the same at
600 schools as at 6.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, false, func, literal, literal_column, or_, select, union
from sqlalchemy.orm import contains_eager

from portal.categories.rules import movement
from portal.extensions import db
from portal.many_values import one_of
from portal.schools.models import School, SchoolRole
from portal.schools.rules import in_name_order, name_order_of

# What may be overdue at a school, in the order the table lists them.
OVERDUE_KINDS = {
    "evidence": "Evidence",
    "agenda": "Agenda",
    "minutes": "Minutes",
    "confirmation": "Confirmation of minutes",
    "notes": "Notes of visit",
    "verification": "Verification",
}
# Minutes still unconfirmed this many working days after they were circulated are overdue (the first reminder day).
CONFIRM_WITHIN_WORKING_DAYS = 3
# Verification is due once a half term: overdue in the half term's last 10 working days (when the reminder goes).
VERIFY_BY_WORKING_DAYS_BEFORE_END = 10
# A meeting further ahead than this cannot have an overdue agenda or evidence (no LA sets an agenda 40 working
# days ahead): the overview leaves it out unless it is a school's next.
MEETING_WINDOW_DAYS = 70


@dataclass
class Overdue:
    kind: str
    due_on: date
    meeting: object = None
    visit: object = None

    @property
    def label(self):
        return OVERDUE_KINDS[self.kind]


@dataclass
class OverviewRow:
    school: School  # or, until the row is shown, a ``school_names`` row (id and name)
    category: object = None  # of the latest category history entry
    previous_category: object = None  # the one that entry replaced
    inspection: object = None
    plan: object = None
    review: object = None  # the latest review meeting with RAG ratings
    review_counts: dict = field(default_factory=dict)
    next_meeting: object = None
    last_verified_on: date | None = None  # this half term
    last_visited_on: date | None = None  # this half term
    overdue: list = field(default_factory=list)
    starred: bool = False
    intervention: list = field(default_factory=list)  # open intervention steps
    inspected: bool = False  # the latest inspection is loaded
    detailed: bool = False  # plan, review, this half term and intervention are loaded

    @property
    def movement(self):
        return movement(self.previous_category, self.category) if self.category else None

    @property
    def overdue_kinds(self):
        return {item.kind for item in self.overdue}


def overview_rows(schools, today: date, *, facts=None, details=True, inspections=False):
    """One OverviewRow per school (in the order given).

    ``facts`` are the schools' ``school_names`` rows ({id: row}) when the caller has them already; otherwise they
    are read here. What the table filters and sorts on (category, movement, next meeting, overdue) is worked out
    for every school; with ``details=False`` the rest (plan, latest review, this half term, intervention,
    inspection unless ``inspections``) is left for ``add_details`` to fill in for the rows shown: at 600 schools
    that is most of the work, and only fifty rows are on a page."""
    from portal.categories.schemes import every_category
    from portal.terms.rules import closure_days, deadline_settings, half_term_on

    ids = [school.id for school in schools]
    if not ids:
        return []
    if facts is None:
        facts = {name.id: name for name in school_names(ids, None, today, active_only=False)}
    categories = {category.id: category for category in every_category()}
    half_term = half_term_on(today)
    settings, closures = deadline_settings(), closure_days()
    rows = {}
    for school in schools:
        known = facts.get(school.id)
        rows[school.id] = row = OverviewRow(school, starred=bool(known and known.starred))
        if known is not None and known.category_id is not None:
            row.category = categories.get(known.category_id)
            row.previous_category = categories.get(known.previous_category_id)
        if known is not None and known.unverified:
            row.overdue.append(Overdue("verification", verification_due_on(half_term, closures)))
    _meetings(rows, ids, today, settings, closures)
    _notes(rows, ids, today, settings, closures)
    for row in rows.values():
        row.overdue.sort(key=lambda item: (list(OVERDUE_KINDS).index(item.kind), item.due_on))
    ordered = [rows[school.id] for school in schools]
    if details:
        add_details(ordered, today)
    elif inspections:
        _latest_inspections(rows, ids)
        for row in ordered:
            row.inspected = True
    return ordered


def add_details(rows, today: date):
    """Fill in the plan, latest review and inspection, this half term's verification and visit, and open
    intervention of ``rows`` (those not filled in yet): one statement for any number of rows."""
    from portal.terms.rules import half_term_on

    waiting = {row.school.id: row for row in rows if not row.detailed}
    if waiting:
        _details(waiting, list(waiting), half_term_on(today))


def _newest_of_school(model, *order_by, where=()):
    """The id of the school's newest row of ``model`` (by ``order_by`` descending), as a subquery correlated to the
    school of the query around it."""
    return (select(model.id).where(model.school_id == School.id, *where)
            .order_by(*(column.desc() for column in order_by)).limit(1).correlate(School).scalar_subquery())


def _latest_inspections(rows, ids):
    from portal.inspections.models import Inspection

    newest = _newest_of_school(Inspection, Inspection.inspected_on, Inspection.id)
    for inspection in db.session.scalars(select(Inspection).join(School, Inspection.id == newest)
                                         .where(one_of(School.id, ids))):
        rows[inspection.school_id].inspection = inspection


def _details(rows, ids, half_term):
    """Each school's latest inspection, newest plan, latest review with its RAG counts, in ``half_term`` its last
    verification and visit, and its open intervention steps: one statement for any number of rows (outer joins to
    each school's newest; a school with open steps comes once for each, newest first)."""
    from portal.clock import as_london
    from portal.evidence.models import Verification
    from portal.inspections.models import Inspection
    from portal.intervention.models import InterventionStep
    from portal.intervention.rules import SETTLED
    from portal.meetings.models import CriterionReview, Rag, ReviewMeeting
    from portal.plans.models import Plan
    from portal.visits.models import Visit

    # Each school's newest of each, asked of the school itself (its own index, a row or two): planned in a
    # moment, where numbering every school's rows in window subqueries took PostgreSQL longer to plan than to run.
    inspection = _newest_of_school(Inspection, Inspection.inspected_on, Inspection.id)
    plan = _newest_of_school(Plan, Plan.academic_year_id, Plan.id)
    review = _newest_of_school(ReviewMeeting, ReviewMeeting.meets_on, ReviewMeeting.id,
                               where=(ReviewMeeting.criterion_reviews.any(),))
    rag_counts = [select(func.count()).where(CriterionReview.meeting_id == ReviewMeeting.id, CriterionReview.rag == rag)
                  .correlate(ReviewMeeting).scalar_subquery() for rag in Rag]
    this_half_term = [literal(None), literal(None)]
    if half_term is not None:
        this_half_term = [
            select(func.max(Verification.decided_at))
            .where(Verification.school_id == School.id, Verification.half_term_id == half_term.id).scalar_subquery(),
            select(func.max(Visit.visited_on))
            .where(Visit.school_id == School.id, Visit.visited_on.between(half_term.starts_on, half_term.ends_on))
            .scalar_subquery()]
    query = (select(School.id, Inspection, Plan, ReviewMeeting, *rag_counts, *this_half_term, InterventionStep)
             .select_from(School)
             .outerjoin(Inspection, Inspection.id == inspection)
             .outerjoin(Plan, Plan.id == plan)
             .outerjoin(ReviewMeeting, ReviewMeeting.id == review)
             .outerjoin(InterventionStep, (InterventionStep.school_id == School.id)
                        & InterventionStep.status.not_in(SETTLED))
             .where(School.id.in_(ids))
             .order_by(School.id, InterventionStep.issued_on.desc(), InterventionStep.id.desc()))
    for school_id, inspection, plan, review, *rest in db.session.execute(query):
        *rag_counts, last_verified, last_visited, step = rest
        row = rows[school_id]
        if not row.detailed:
            row.inspection, row.plan, row.review = inspection, plan, review
            row.review_counts = {rag: count for rag, count in zip(Rag, rag_counts) if count} if review else {}
            row.last_verified_on = as_london(last_verified).date() if last_verified else None
            row.last_visited_on = last_visited
            row.intervention = []
            row.detailed = row.inspected = True
        if step is not None:
            row.intervention.append(step)


def _meetings(rows, ids, today, settings, closures):
    """The next review meeting, overdue evidence, agendas and minutes of recent ones, and minutes circulated and
    still not confirmed.

    The meetings are plain rows (id, school, date, what was sent, the kind's own deadlines, when minutes waiting
    for confirmation went out), not loaded objects: a thousand of them at 600 schools; the rows shown link to them
    by id."""
    from portal.clock import as_london
    from portal.meetings.models import MeetingStatus, MeetingType, ReviewMeeting
    from portal.meetings.rules import deadlines_on, has_evidence_column, meeting_due_items
    from portal.minutes.models import MinutesStatus, MinutesVersion

    scheduled = ReviewMeeting.status == MeetingStatus.SCHEDULED
    waiting = (MinutesVersion.meeting_id == ReviewMeeting.id, MinutesVersion.status == MinutesStatus.CIRCULATED)
    circulated = select(func.min(MinutesVersion.circulated_at)).where(*waiting).scalar_subquery()
    upcoming = (select(ReviewMeeting.id, func.row_number().over(partition_by=ReviewMeeting.school_id,
                                                                order_by=(ReviewMeeting.meets_on, ReviewMeeting.id))
                       .label("rank")).where(one_of(ReviewMeeting.school_id, ids), scheduled,
                                             ReviewMeeting.meets_on >= today)
                .subquery())
    next_ones = select(upcoming.c.id).where(upcoming.c.rank == 1)
    # Held in the last 120 days (minutes may be overdue), close enough for an agenda or evidence to be overdue,
    # or each school's next: never a whole year of meetings to come.
    window = ReviewMeeting.meets_on.between(today - timedelta(days=120), today + timedelta(days=MEETING_WINDOW_DAYS))
    current = and_(scheduled, window | ReviewMeeting.id.in_(next_ones))
    # Which meetings, as a union each part of which its own index answers (as one OR, PostgreSQL read every meeting
    # of the LA's five years to test it): those in the window, each school's next, and those with minutes waiting.
    wanted = union(select(ReviewMeeting.id).where(one_of(ReviewMeeting.school_id, ids), scheduled, window),
                   next_ones,
                   select(MinutesVersion.meeting_id).where(MinutesVersion.status == MinutesStatus.CIRCULATED))
    meetings = db.session.execute(
        select(ReviewMeeting.id, ReviewMeeting.school_id, ReviewMeeting.meets_on, ReviewMeeting.agenda_sent_at,
               ReviewMeeting.minutes_circulated_at, MeetingType.agenda_days, MeetingType.evidence_days,
               MeetingType.minutes_days, has_evidence_column(), current.label("current"), circulated.label("waiting_since"))
        .outerjoin(MeetingType, MeetingType.key == ReviewMeeting.kind_key)
        .where(ReviewMeeting.id.in_(wanted), one_of(ReviewMeeting.school_id, ids))
        .order_by(ReviewMeeting.meets_on)).all()
    kinds = {"Agenda": "agenda", "Minutes": "minutes", "Evidence": "evidence"}
    worked_out = {}  # deadlines by date and kind's days: hundreds of meetings share a few dozen of them
    for meeting in meetings:  # the row carries its kind's own deadline days, or None for the LA's
        row = rows[meeting.school_id]
        if meeting.waiting_since is not None:
            due = confirmation_due_on(as_london(meeting.waiting_since).date(), closures)
            if due < today:
                row.overdue.append(Overdue("confirmation", due, meeting=meeting))
        if not meeting.current:
            continue
        if meeting.meets_on >= today and row.next_meeting is None:
            row.next_meeting = meeting
        key = (meeting.meets_on, meeting.agenda_days, meeting.evidence_days, meeting.minutes_days)
        if key not in worked_out:
            worked_out[key] = deadlines_on(meeting.meets_on, meeting, settings, closures)
        for item in meeting_due_items(meeting, worked_out[key], today, has_evidence=meeting.has_evidence):
            if item.overdue:
                row.overdue.append(Overdue(kinds[item.what], item.due_on, meeting=meeting))


def confirmation_due_on(circulated_on: date, closures=frozenset()) -> date:
    from portal.working_days import shift_working_days

    return shift_working_days(circulated_on, CONFIRM_WITHIN_WORKING_DAYS, closures)


def _notes(rows, ids, today, settings, closures):
    from portal.visits.models import NotesStatus, Visit
    from portal.visits.rules import notes_due_on

    for visit in db.session.scalars(select(Visit).where(one_of(Visit.school_id, ids), Visit.status == NotesStatus.DRAFT)):
        due = notes_due_on(visit, settings, closures)
        if due < today:
            rows[visit.school_id].overdue.append(Overdue("notes", due, visit=visit))


def verification_due_on(half_term, closures=frozenset()) -> date:
    from portal.working_days import shift_working_days

    return shift_working_days(half_term.ends_on, -VERIFY_BY_WORKING_DAYS_BEFORE_END, closures)


# --- which schools, filters and sort --------------------------------------------------------------------

def school_names(school_ids, starred_by, today: date, *, active_only=True):
    """What the overview needs to know of each active school (all when ``school_ids`` is None; ``active_only=False``:
    inactive ones among ``school_ids`` too) before working out its row, as plain rows: enough to count, sort by
    name and pick a page without loading a school.

    (id, name, name_key, starred by ``starred_by`` (a person or None), has_adviser, the category of its latest category
    history entry and the one before (ids), and unverified: whether verification is overdue (an agreed plan and
    nothing verified in the half term, once the half term's last ten working days have begun)."""
    query = _names_query(school_ids, _starred(starred_by), today, active_only=active_only)
    return db.session.execute(query.order_by(School.id)).all()  # (the callers sort by name as people read it)


def names_page(starred_by, today: date, page_number: int, per_page: int, *, total: int, matching=None):
    """A page of the LA's active schools that ``matching`` (a ``matching_condition``) keeps, by
    name, starred schools first (as ``sort_rows`` orders them): sorted, counted and cut in SQL, so a page of a
    shared deployment's 20,000 schools works out fifty. Its items are (school, its ``school_names`` row), each
    school with its people, in the same statement (``schools_with_people`` then finds them held). ``total`` is how
    many schools there are (``school_counts``): without ``matching``, how many the pages hold."""
    from portal.auth.models import User
    from portal.categories.paging import ReadPagination

    # (its own FROM, not the page's school: it is the list the page is cut from)
    listed = select(School.id, _starred(starred_by).label("starred")).where(School.active.is_(True)).correlate(None)
    if matching is not None:
        listed = listed.where(matching)
        total = db.session.scalar(select(func.count()).select_from(listed.subquery()))
    by_name = in_name_order()

    def read(offset, limit):
        page = listed.order_by(literal_column("starred").desc(), *by_name).offset(offset).limit(limit).subquery()
        rows = db.session.execute(
            _names_query(None, page.c.starred, today, active_only=False).add_columns(School)
            .join(page, page.c.id == School.id)
            .outerjoin(SchoolRole, SchoolRole.school_id == School.id).outerjoin(User, User.id == SchoolRole.user_id)
            .options(contains_eager(School.roles).contains_eager(SchoolRole.user))
            .order_by(page.c.starred.desc(), *by_name, SchoolRole.id)).unique()
        return [(row.School, row) for row in rows]

    return ReadPagination(read, total, page_number, per_page)


def school_counts():
    """(how many active schools the LA has, how many of them have no adviser, ``category_counts`` of
    them): one statement grouped by category, not a row per school."""
    from portal.categories.models import SchoolCategory
    from portal.categories.schemes import every_category
    from portal.schools.models import Role

    newest = _newest_category_entries()
    # The schools with an adviser, found once (a set each database hashes) rather than asked of each school: on
    # PostgreSQL a condition per school took 45 ms at 20,000 schools.
    advised = School.id.in_(select(SchoolRole.school_id).where(SchoolRole.role == Role.ADVISER))
    query = (select(SchoolCategory.category_id, func.count(), func.sum(case((advised, 0), else_=1)))
             .select_from(School)
             .outerjoin(newest, newest.c.school_id == School.id)
             .outerjoin(SchoolCategory, SchoolCategory.id == newest.c.id)
             .where(School.active.is_(True))
             .group_by(SchoolCategory.category_id))
    by_id = {category.id: category for category in every_category()}
    groups = db.session.execute(query).all()
    return (sum(count for _, count, _ in groups), sum(unadvised for _, _, unadvised in groups),
            _tally((by_id.get(category_id), count) for category_id, count, _ in groups))


def _names_query(school_ids, starred, today: date, *, active_only=True):
    """The select behind ``school_names``; ``starred`` is the condition (or column) that says a school is starred."""
    from portal.categories.models import SchoolCategory
    from portal.evidence.rules import unverified_in
    from portal.terms.rules import closure_days, half_term_on

    newest = _newest_category_entries()
    half_term = half_term_on(today)
    unverified = false()
    if half_term is not None and today > verification_due_on(half_term, closure_days()):
        unverified = unverified_in(half_term)
    query = (select(School.id, School.name, School.name_key, starred.label("starred"), _has_adviser().label("has_adviser"),
                    SchoolCategory.category_id, SchoolCategory.previous_category_id, unverified.label("unverified"))
             .outerjoin(newest, newest.c.school_id == School.id)
             .outerjoin(SchoolCategory, SchoolCategory.id == newest.c.id))
    if active_only:
        query = query.where(School.active.is_(True))
    if school_ids is not None:
        query = query.where(School.id.in_(list(school_ids)))
    return query


def _newest_category_entries():
    """Each school's newest category history entry (school_id, id), grouped once: as a subquery per school,
    PostgreSQL walked the entries backwards for every school (80 ms at 600 schools against 9)."""
    from portal.categories.models import SchoolCategory

    return (select(SchoolCategory.school_id, func.max(SchoolCategory.id).label("id"))
            .group_by(SchoolCategory.school_id).subquery())


def _starred(person):
    """A condition on a school: ``person`` (or None: nobody) starred it."""
    from portal.schools.models import SchoolStar

    if person is None:
        return false()
    return (select(SchoolStar.id).where(SchoolStar.school_id == School.id, SchoolStar.user_id == person.id)
            .correlate(School).exists())


def _has_adviser():
    from portal.schools.models import Role

    # (correlated to the school alone: a query around it may join school roles too)
    return (select(SchoolRole.id).where(SchoolRole.school_id == School.id, SchoolRole.role == Role.ADVISER)
            .correlate(School).exists())


def adviser_choices(school_ids=None):
    """[(adviser id, name)] of everyone advising an active school (all, or ``school_ids``), for the adviser filter.

    An adviser's own schools are held with their people already (their home page lists them)."""
    from portal.auth.models import User
    from portal.schools.models import Role
    from portal.schools.rules import schools_with_people

    if school_ids is not None:
        return sorted({(adviser.id, adviser.name) for school in schools_with_people(school_ids).values()
                       if school.active for adviser in school.advisers}, key=lambda choice: choice[1])
    # (The advisers found among the roles first, then only they are read: joined the other way round, PostgreSQL
    # hashed every person in a shared deployment's 40,000 to keep 500.)
    advising = (select(SchoolRole.user_id).join(School, School.id == SchoolRole.school_id)
                .where(SchoolRole.role == Role.ADVISER, School.active.is_(True)))
    return db.session.execute(select(User.id, User.name).where(User.id.in_(advising))).all()


def counted_categories(names):
    """What ``category_counts`` says, from ``school_names`` rows instead of worked-out rows."""
    from portal.categories.schemes import every_category

    by_id = {category.id: category for category in every_category()}
    return _tally((by_id.get(name.category_id), 1) for name in names)


def matching_ids(school_ids=None, *, search="", phase="", adviser_id=None):
    """The ids of the schools the SQL filters keep (name or URN, phase, adviser); None when there are none."""
    matching = matching_condition(search=search, phase=phase, adviser_id=adviser_id)
    if matching is None:
        return None
    query = select(School.id).where(School.active.is_(True), matching)
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    return set(db.session.scalars(query))


def matching_condition(*, search="", phase="", adviser_id=None):
    """A condition on a school for the SQL filters (name or URN, phase, adviser); None when there are none."""
    from portal.schools.models import Role

    conditions = []
    if search:
        matches = School.name.ilike(f"%{search}%")
        if search.isdigit():
            matches = or_(matches, School.urn == int(search))
        conditions.append(matches)
    if phase:
        conditions.append(School.phase == phase)
    if adviser_id:
        conditions.append(School.id.in_(select(SchoolRole.school_id).where(
            SchoolRole.role == Role.ADVISER, SchoolRole.user_id == adviser_id)))
    return and_(*conditions) if conditions else None


def filter_rows(rows, *, category_key="", overdue_kind="", movement_word=""):
    if category_key == "none":
        rows = [r for r in rows if r.category is None]
    elif category_key:
        rows = [r for r in rows if r.category is not None and r.category.key == category_key]
    if overdue_kind == "any":
        rows = [r for r in rows if r.overdue]
    elif overdue_kind:
        rows = [r for r in rows if overdue_kind in r.overdue_kinds]
    if movement_word:
        rows = [r for r in rows if r.movement is not None and r.movement.word == movement_word]
    return rows


def _by_name(row):
    return name_order_of(row.school)


SORTS = {
    "name": ("School name", _by_name),
    "category": ("Category (most support first)",
                 lambda row: (row.category is None, -(row.category.position if row.category else 0), *_by_name(row))),
    "overdue": ("Most overdue first", lambda row: (-len(row.overdue), *_by_name(row))),
    "next-meeting": ("Next review meeting", lambda row: (row.next_meeting is None,
                                                         row.next_meeting.meets_on if row.next_meeting else None,
                                                         *_by_name(row))),
    "inspection": ("Latest inspection (oldest first)", lambda row: (row.inspection is None,
                                                                   row.inspection.inspected_on if row.inspection else None,
                                                                   *_by_name(row))),
}


def sort_rows(rows, sort):
    """Starred schools first, then by the chosen column."""
    key = SORTS.get(sort, SORTS["name"])[1]
    return sorted(rows, key=lambda row: (not row.starred, key(row)))


def category_counts(rows):
    """[(category or None, count)] in the scheme's order, schools not yet categorised last."""
    return _tally((row.category, 1) for row in rows)


def _tally(counted):
    """[(category or None, count)] of (category or None, schools) pairs, counted by key in the scheme's order
    (each version of the scheme has its own categories, with the same keys)."""
    counts, by_key = {}, {}
    for category, schools in counted:
        key = category.key if category else None
        counts[key] = counts.get(key, 0) + schools
        if category:
            by_key[key] = category
    ordered = sorted(by_key.values(), key=lambda c: c.position)
    return [(c, counts[c.key]) for c in ordered] + ([(None, counts[None])] if None in counts else [])
