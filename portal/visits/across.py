"""Records of visits across schools: every visit a person may see, filtered, with what is overdue about it.

Who sees which visit is ``portal.access.may_see_visit`` written as a where clause, over the schools
``visible_schools_query`` gives the person (every active school for the LA admin): the school's adviser, its
leaders and the LA admin see every visit; governors and the clerk only final notes.

What is overdue comes from the deadlines in ``portal.visits.rules``, not new ones: draft notes past
``notes_due_on`` (``notes_overdue_before`` gives the same answer as one date to compare in SQL). The school's
accuracy check is never overdue: notes not answered by ``response_due_on`` are final the next day
(``finalise_if_unanswered``), so they are listed as final even before the scheduler, or someone opening the
visit, has written it. Corrections to consider have no deadline.

The page costs the same few statements whatever the number of visits or schools.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import selectinload

from portal.access import is_la_admin, visible_schools_query
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import SCHOOL_LEADERS, Role, School, SchoolRole
from portal.terms.rules import closure_days, deadline_settings
from portal.visits.models import NotesStatus, Visit, VisitKind
from portal.visits.rules import notes_due_on, notes_overdue_before

# Roles that see every visit at their school (``may_run_reviews`` or ``may_lead_school``); the LA admin sees all.
SEES_EVERY_VISIT = SCHOOL_LEADERS | {Role.ADVISER}

# The notes' status as this list names it: (key, label in the filter, tag text, tag colour).
STATUSES = [
    ("draft", "Draft", "Draft", "grey"),
    ("issued", "Issued: awaiting the school's accuracy check", "Issued", "blue"),
    ("disputed", "Disputed: the school asked for corrections", "Disputed", "orange"),
    ("final", "Final", "Final", "green"),
]
_TAGS = {key: (tag, colour) for key, _, tag, colour in STATUSES}


@dataclass
class Filters:
    """What the person chose in the filter form; ``errors`` maps a field's name to what is wrong with it."""

    school_id: int | None = None
    adviser_id: int | None = None
    kind: VisitKind | None = None
    status: str = ""
    overdue_only: bool = False
    from_date: date | None = None
    to_date: date | None = None
    errors: dict = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.school_id or self.adviser_id or self.kind or self.status or self.overdue_only
                    or self.from_date or self.to_date)


def _a_date(text):
    """A date from a ``type=date`` input (2026-11-25), or as typed where the browser has no date picker (25/11/2026)."""
    text = (text or "").strip()
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError


def filters_from(args) -> Filters:
    """The filters from the query string. Values that name nothing are ignored; dates that are not dates are errors."""
    found = Filters(school_id=args.get("school", type=int) or None, adviser_id=args.get("adviser", type=int) or None,
                    overdue_only=args.get("overdue") == "yes")
    kind = args.get("type", "")
    found.kind = next((k for k in VisitKind if k.value == kind), None)
    status = args.get("status", "")
    found.status = status if status in _TAGS else ""
    for name, attribute, what in (("from", "from_date", "The ‘from’ date"), ("to", "to_date", "The ‘to’ date")):
        try:
            setattr(found, attribute, _a_date(args.get(name)))
        except ValueError:
            found.errors[name] = f"{what} must be a real date, for example 25/11/2026"
    if found.from_date and found.to_date and found.from_date > found.to_date:
        found.errors["to"] = "The ‘to’ date must be the same as or after the ‘from’ date"
        found.to_date = None
    return found


# --- the rules as SQL ------------------------------------------------------------------

def _lapsed(today):
    """Issued notes the school did not answer by the response date: final by the rules, whether or not written yet."""
    return (Visit.status == NotesStatus.ISSUED) & (Visit.response_due_on < today)


def _status_is(key, today):
    if key == "draft":
        return Visit.status == NotesStatus.DRAFT
    if key == "issued":
        return (Visit.status == NotesStatus.ISSUED) & or_(Visit.response_due_on.is_(None), Visit.response_due_on >= today)
    if key == "disputed":
        return Visit.status == NotesStatus.CORRECTIONS
    return (Visit.status == NotesStatus.FINAL) | _lapsed(today)


def _overdue(notes_before):
    return (Visit.status == NotesStatus.DRAFT) & (Visit.visited_on < notes_before)


def _visible_to(user, today):
    """``may_see_visit`` for every visit at once, at the schools ``visible_schools_query`` gives ``user``."""
    schools = visible_schools_query(user).with_only_columns(School.id).order_by(None)
    if is_la_admin(user):
        return Visit.school_id.in_(schools)
    sees_every_visit = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id,
                                                          SchoolRole.role.in_(SEES_EVERY_VISIT))
    return Visit.school_id.in_(schools) & (Visit.school_id.in_(sees_every_visit) | _status_is("final", today))


# --- the page -----------------------------------------------------------------------------

@dataclass
class VisitRow:
    visit: Visit
    status: str              # a key of STATUSES: the status the rules give the notes today
    overdue: bool
    due_on: date | None      # the notes' due date (draft), or the end of the school's accuracy check (issued)

    @property
    def tag(self):
        return _TAGS[self.status][0]

    @property
    def colour(self):
        return _TAGS[self.status][1]

    @property
    def lapsed(self) -> bool:
        """Final because the school did not answer the accuracy check in time (written or not yet)."""
        return self.status == "final" and self.visit.status == NotesStatus.ISSUED


@dataclass
class VisitsAcross:
    page: object             # a Flask-SQLAlchemy pagination of Visit
    rows: list
    filters: Filters
    schools: list            # the schools the person sees, for the school filter
    advisers: list           # who recorded the visits the person sees, for the adviser filter


def _row(visit, today, settings, closures) -> VisitRow:
    if visit.status == NotesStatus.DRAFT:
        due = notes_due_on(visit, settings, closures)
        return VisitRow(visit, "draft", due < today, due)
    if visit.status == NotesStatus.ISSUED:
        if visit.response_due_on is not None and visit.response_due_on < today:
            return VisitRow(visit, "final", False, visit.response_due_on)
        return VisitRow(visit, "issued", False, visit.response_due_on)
    if visit.status == NotesStatus.CORRECTIONS:
        return VisitRow(visit, "disputed", False, None)
    return VisitRow(visit, "final", False, None)


def visits_for(user, filters: Filters, today: date, *, page=1, per_page=50) -> VisitsAcross:
    """One page of the visits ``user`` may see that match ``filters``: overdue first, then newest first."""
    settings, closures = deadline_settings(), closure_days()
    notes_before = notes_overdue_before(today, settings, closures)
    overdue = _overdue(notes_before)
    visible = _visible_to(user, today)
    query = select(Visit).where(visible)
    if filters.school_id:
        query = query.where(Visit.school_id == filters.school_id)
    if filters.adviser_id:
        query = query.where(Visit.adviser_id == filters.adviser_id)
    if filters.kind:
        query = query.where(Visit.kind == filters.kind)
    if filters.status:
        query = query.where(_status_is(filters.status, today))
    if filters.overdue_only:
        query = query.where(overdue)
    if filters.from_date:
        query = query.where(Visit.visited_on >= filters.from_date)
    if filters.to_date:
        query = query.where(Visit.visited_on <= filters.to_date)
    query = (query.options(selectinload(Visit.school), selectinload(Visit.adviser))
             .order_by(case((overdue, 0), else_=1), Visit.visited_on.desc(), Visit.id.desc()))
    found = db.paginate(query, page=page, per_page=per_page, error_out=False)
    schools = db.session.scalars(visible_schools_query(user)).all()
    advisers = db.session.scalars(select(User).where(User.id.in_(select(Visit.adviser_id).where(visible)))
                                  .order_by(User.name, User.id)).all()
    return VisitsAcross(page=found, rows=[_row(visit, today, settings, closures) for visit in found.items],
                        filters=filters, schools=schools, advisers=advisers)


def sees_more_than_one_school(user) -> bool:
    """Whether the list across schools adds anything to one school's list of visits."""
    return len(db.session.scalars(visible_schools_query(user).with_only_columns(School.id).limit(2)).all()) > 1


def filter_options(found: VisitsAcross) -> dict:
    """The choices of each filter's select: (value, text), "" first for no filter."""
    return {
        "school": [("", "All schools")] + [(school.id, school.name) for school in found.schools],
        "adviser": [("", "All advisers")] + [(person.id, person.name) for person in found.advisers],
        "type": [("", "All types")] + [(kind.value, kind.label) for kind in VisitKind],
        "status": [("", "Any status")] + [(key, label) for key, label, _, _ in STATUSES],
    }
