"""Kinds of meeting and the rhythm each category holds them in: data the LA admin keeps.

The portal starts with the kinds in ``DEFAULT_KINDS`` (also seeded by migration 0021); the LA adds its own
(an Improving Outcomes Programme meeting, an IOP meeting …), each with its own deadlines where they differ
from the LA's. A category of the scheme in use holds some kinds in a rhythm; "schedule the year" proposes
a school's dates in its category's rhythm.
"""

import re

from sqlalchemy import select

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.meetings.models import CategoryMeetingRhythm, MeetingType, Rhythm

# key, name, reviews a plan: the kinds every LA starts with (migration 0021 adds them).
DEFAULT_KINDS = (
    ("rap_review", "RAP review meeting", True),
    ("improvement_board", "School Improvement Board", False),
    ("project_board", "Project Board", False),
    ("round_table", "Round-table review", False),
    ("monitoring_visit", "Monitoring visit", False),
)
DEFAULT_KEY = "rap_review"
MOST_DAYS = 60


def all_kinds():
    return db.session.scalars(select(MeetingType).order_by(MeetingType.position, MeetingType.name)).all()


def active_kinds():
    return [kind for kind in all_kinds() if kind.active]


def kind_by_key(key):
    return db.session.scalar(select(MeetingType).where(MeetingType.key == key))


def resolve(kind):
    """A MeetingType from itself or its key; a key the LA does not have is refused."""
    if isinstance(kind, MeetingType):
        return kind
    found = kind_by_key(kind)
    if found is None:
        raise RuleBroken("Choose a kind of meeting", "kind")
    return found


def _key_for(name):
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:24] or "meeting"
    taken = set(db.session.scalars(select(MeetingType.key)))
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def _check_days(value, field, what):
    if value is not None and not 0 <= value <= MOST_DAYS:
        raise RuleBroken(f"{what} must be between 0 and {MOST_DAYS} working days, or blank for the LA's default", field)


def save_kind(kind=None, *, name, description="", reviews_plan=False, agenda_days=None, evidence_days=None,
              minutes_days=None):
    """A new kind of meeting (``kind`` None) or changes to one. Blank days fall back to the LA's deadlines."""
    name = (name or "").strip()
    if not name:
        raise RuleBroken("Enter the name of the kind of meeting", "name")
    clash = db.session.scalar(select(MeetingType).where(db.func.lower(MeetingType.name) == name.lower()))
    if clash is not None and clash is not kind:
        raise RuleBroken(f"There is already a kind of meeting called {clash.name}", "name")
    _check_days(agenda_days, "agenda_days", "The agenda deadline")
    _check_days(evidence_days, "evidence_days", "The evidence deadline")
    _check_days(minutes_days, "minutes_days", "The minutes deadline")
    if kind is None:
        position = (db.session.scalar(select(db.func.max(MeetingType.position))) or 0) + 1
        kind = MeetingType(key=_key_for(name), position=position)
        db.session.add(kind)
    kind.name, kind.description, kind.reviews_plan = name, (description or "").strip(), bool(reviews_plan)
    kind.agenda_days, kind.evidence_days, kind.minutes_days = agenda_days, evidence_days, minutes_days
    return kind


def set_active(kind, active):
    """Retired kinds stay on the meetings already held; they are no longer offered for new ones or in rhythms."""
    if not active and kind.key == DEFAULT_KEY:
        raise RuleBroken("The RAP review meeting cannot be retired: every plan is reviewed at one")
    kind.active = active
    if not active:
        for rhythm in db.session.scalars(select(CategoryMeetingRhythm).where(CategoryMeetingRhythm.meeting_type_id == kind.id)):
            db.session.delete(rhythm)


# --- rhythms per category -------------------------------------------------------------------------------------------

def rhythms_of_scheme(scheme_id) -> dict[tuple[str, int], Rhythm]:
    """{(category key, kind id): rhythm} for the scheme."""
    rows = db.session.scalars(select(CategoryMeetingRhythm).where(CategoryMeetingRhythm.scheme_id == scheme_id))
    return {(row.category_key, row.meeting_type_id): row.rhythm for row in rows}


def save_rhythms(scheme_id, categories, kinds, wanted: dict[tuple[str, int], Rhythm | None]):
    """Set every (category, kind) cell of the scheme at once; None removes it. Returns how many changed."""
    existing = {(row.category_key, row.meeting_type_id): row for row in db.session.scalars(
        select(CategoryMeetingRhythm).where(CategoryMeetingRhythm.scheme_id == scheme_id))}
    changed = 0
    for category in categories:
        for kind in kinds:
            cell, rhythm = (category.key, kind.id), wanted.get((category.key, kind.id))
            row = existing.get(cell)
            if rhythm is None and row is not None:
                db.session.delete(row)
                changed += 1
            elif rhythm is not None and row is None:
                db.session.add(CategoryMeetingRhythm(scheme_id=scheme_id, category_key=category.key,
                                                     meeting_type_id=kind.id, rhythm=rhythm))
                changed += 1
            elif rhythm is not None and row.rhythm != rhythm:
                row.rhythm = rhythm
                changed += 1
    return changed


def rhythms_for_school(school):
    """[(kind, rhythm)] the school's current category holds, RAP reviews half-termly first when it has none."""
    from portal.categories.rules import current_entry

    entry = current_entry(school)
    found = []
    if entry is not None:
        category = entry.category
        rows = db.session.scalars(
            select(CategoryMeetingRhythm)
            .where(CategoryMeetingRhythm.scheme_id == category.version.scheme_id,
                   CategoryMeetingRhythm.category_key == category.key))
        found = sorted(((row.meeting_type, row.rhythm) for row in rows if row.meeting_type.active),
                       key=lambda pair: (pair[0].position, pair[0].name))
    return found, entry


def rhythms_from_data(scheme, data):
    """A ready-made (or copied) scheme's meetings: the kinds it names (added when the LA has none by that name, with
    their own deadlines) and each category's rhythm. Kinds are named, not keyed, so the JSON reads as the LA would."""
    wanted = [(category["key"], meeting) for category in data.get("categories", []) for meeting in category.get("meetings", [])]
    if not wanted:
        return 0
    by_name = {kind.name.lower(): kind for kind in all_kinds()}
    for spec in data.get("meeting_kinds", []):
        if spec["name"].lower() not in by_name:
            by_name[spec["name"].lower()] = save_kind(
                name=spec["name"], description=spec.get("description", ""), reviews_plan=spec.get("reviews_plan", False),
                agenda_days=spec.get("agenda_days"), evidence_days=spec.get("evidence_days"),
                minutes_days=spec.get("minutes_days"))
    db.session.flush()
    added = 0
    for category_key, meeting in wanted:
        kind = by_name.get(meeting["kind"].lower())
        if kind is not None and kind.active:
            db.session.add(CategoryMeetingRhythm(scheme_id=scheme.id, category_key=category_key, meeting_type_id=kind.id,
                                                 rhythm=Rhythm(meeting["rhythm"])))
            added += 1
    return added


def rhythms_as_data(scheme_id) -> dict[str, list[dict]]:
    """{category key: [{"kind": name, "rhythm": value}]}: how a copied scheme takes its meetings along."""
    found = {}
    rows = db.session.scalars(select(CategoryMeetingRhythm).where(CategoryMeetingRhythm.scheme_id == scheme_id)
                              .order_by(CategoryMeetingRhythm.id))
    for row in rows:
        found.setdefault(row.category_key, []).append({"kind": row.meeting_type.name, "rhythm": row.rhythm.value})
    return found
