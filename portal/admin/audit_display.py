"""Reading the audit log: names for ids, dates in words, Yes/No, labels.

Display helpers only: nothing here changes what ``portal.audit`` records or how. The log keeps ids, ISO dates
and enum values (they never go stale); the audit log page turns them into what a person reads.
"""

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, Enum, Time, and_, or_, select

from portal.audit import AuditEvent
from portal.extensions import db


# What the row audit writes for secret columns, as a person reads it.
SECRET_WORDS = {"(set)": "set (not shown)", "(hidden)": "not shown", "(changed)": "changed (not shown)"}

# Field names that read badly when simply spelt out.
FIELD_LABELS = {
    "password_hash": "Password",
    "token_hash": "Link",
    "is_la_admin": "LA admin",
    "la_code": "LA code",
    "storage_key": "Stored file",
    "mime_type": "File type",
    "kind_label": "Kind of file",
    "sha256": "Checksum (SHA-256)",
    "uid": "Calendar event",
    "sequence": "Calendar version",
    "rag": "RAG rating",
    "address": "IP address",
}
_WORDS = {"la": "LA", "urn": "URN", "rag": "RAG", "gias": "GIAS", "ofsted": "Ofsted", "sha256": "SHA-256"}

# Keys that name another record without being a foreign-key column (inside JSON, or in ``record()`` changes).
REFERENCE_KEYS = {"criterion_id": "success_criterion", "action_id": "plan_action", "area_id": "evaluation_area",
                  "grade_id": "scale_grade"}

# Internal keys inside JSON values that mean nothing to a person.
_HIDDEN_JSON_KEYS = {"key", "id"}

# Plain text columns holding a code rather than words ("password_reset").
PLAIN_WORDS = {"purpose"}

BLANK = "blank"


@dataclass
class ReadableChange:
    field: str
    before: str | None  # None: no "before" (a new or removed record's values, or a note on an event)
    after: str


@dataclass
class ReadableEvent:
    event: AuditEvent
    who: str
    record: str  # the record's name; "" when the event is about no record
    school: str
    changes: list[ReadableChange] = field(default_factory=list)


def readable_events(events, known_names=None) -> list[ReadableEvent]:
    """The events as a person reads them.

    Ids become names looked up in bulk: one query per kind of record the page mentions, however many rows it
    shows. ``known_names`` maps (table, id) to names the caller has already loaded (the filter's schools).
    """
    names = _RecordNames(known_names or {})
    for audit_event in events:  # a first pass only gathers the ids to look up
        _readable(audit_event, names)
    names.load()
    return [_readable(audit_event, names) for audit_event in events]


def _readable(audit_event, names):
    table = audit_event.record_type
    changes = audit_event.changes or {}
    updated = audit_event.action.endswith(".updated")
    whole_record = audit_event.action in (f"{table}.created", f"{table}.deleted")
    readable = []
    for key in _in_column_order(table, changes):
        value = changes[key]
        column = _column(table, key)
        if value == ["(hidden)", "(changed)"]:
            readable.append(ReadableChange(field_label(key), None, SECRET_WORDS["(changed)"]))
        elif updated and isinstance(value, list) and len(value) == 2:
            readable.append(ReadableChange(field_label(key), _value_text(table, column, key, value[0], names),
                                           _value_text(table, column, key, value[1], names)))
        elif not (whole_record and _is_blank(value)):  # a new record's empty fields say nothing
            readable.append(ReadableChange(field_label(key), None, _value_text(table, column, key, value, names)))
    if audit_event.user is not None:
        who = audit_event.user.name
    else:
        who = "The portal (automatic)" if audit_event.actor == "system" else audit_event.actor
    return ReadableEvent(
        event=audit_event, who=who,
        record=names.name(table, audit_event.record_id) if table and audit_event.record_id else "",
        school=names.name("school", audit_event.school_id) if audit_event.school_id else "",
        changes=readable,
    )


class _RecordNames:
    """Names of the records a page of events mentions, loaded in bulk.

    Used twice: while ``collecting`` it only notes which ids are wanted (and answers ""); ``load`` then fetches
    them, one query per table (and per level of parent a name mentions, such as the visit a notes version
    belongs to); afterwards it answers with names. A record deleted since is named from its deletion event.
    """

    def __init__(self, known_names):
        self.collecting = True
        self._wanted = defaultdict(set)
        self._values = {}
        self._names = dict(known_names)

    def name(self, table, record_id):
        if record_id is None:
            return BLANK
        key = (table, record_id)
        if self.collecting:
            if key not in self._names and key not in self._values:
                self._wanted[table].add(record_id)
            return ""
        if key not in self._names:
            values = self._values.get(key)
            self._names[key] = (record_name(table, values, self) if values is not None
                                else f"{record_noun(table)} (no longer exists)")
        return self._names[key]

    def load(self):
        while self._wanted:
            wanted, self._wanted = self._wanted, defaultdict(set)
            found = {}
            for table_name, ids in wanted.items():
                table = db.metadata.tables.get(table_name)
                if table is None or "id" not in table.c:
                    continue
                for row in db.session.execute(select(table).where(table.c.id.in_(ids))).mappings():
                    found[(table_name, row["id"])] = dict(row)
            gone = defaultdict(set)
            for table_name, ids in wanted.items():
                for record_id in ids:
                    if (table_name, record_id) not in found and table_name in db.metadata.tables:
                        gone[table_name].add(record_id)
            if gone:
                deletions = select(AuditEvent.record_type, AuditEvent.record_id, AuditEvent.changes).where(or_(*(
                    and_(AuditEvent.action == f"{table_name}.deleted", AuditEvent.record_id.in_(ids))
                    for table_name, ids in gone.items())))
                for table_name, record_id, kept in db.session.execute(deletions):
                    found[(table_name, record_id)] = _typed(table_name, kept or {})
            for table_name, ids in wanted.items():
                for record_id in ids:
                    self._values[(table_name, record_id)] = found.get((table_name, record_id))  # None: not found
            for (table_name, _record_id), values in found.items():  # note the parents their names mention
                record_name(table_name, values, self)
        self.collecting = False


def _column(table_name, key):
    table = db.metadata.tables.get(table_name) if table_name else None
    return table.c.get(key) if table is not None else None


def _in_column_order(table_name, changes):
    table = db.metadata.tables.get(table_name) if table_name else None
    order = {name: position for position, name in enumerate(table.c.keys())} if table is not None else {}
    return sorted(changes, key=lambda key: order.get(key, len(order)))


def _referenced_table(column, key):
    if column is not None:
        return next((foreign_key.column.table.name for foreign_key in column.foreign_keys), None)
    if key.endswith("_id"):
        target = REFERENCE_KEYS.get(key, key[:-3])
        return target if target in db.metadata.tables else None
    return None


def _from_plain(column, value):
    """Undo ``_plain``: the column's own type back from the ISO date or enum value the log keeps."""
    if column is None or not isinstance(value, str) or value in SECRET_WORDS:
        return value
    kind = column.type
    try:
        if isinstance(kind, Enum) and kind.enum_class is not None:
            return kind.enum_class(value)
        if isinstance(kind, DateTime):
            return datetime.fromisoformat(value)
        if isinstance(kind, Date):
            return date.fromisoformat(value)
        if isinstance(kind, Time):
            return time.fromisoformat(value)
    except ValueError:
        return value
    return value


def _typed(table_name, values):
    return {key: _from_plain(_column(table_name, key), value) for key, value in values.items()}


def _is_blank(value):
    return value is None or value == "" or value == [] or value == {}


def _value_text(table_name, column, key, value, names):
    return value_text(_from_plain(column, value), names, column, key, table_name)


def value_text(value, names, column=None, key="", table_name=None):
    """One value as text: a name for an id, a GOV.UK date, Yes/No, an enum's label, a list as words.

    ``table_name`` is the record's: keys inside its JSON values are read like its columns of the same name.
    """
    from portal.templating import govuk_date, govuk_datetime

    if _is_blank(value):
        return BLANK
    if isinstance(value, str) and value in SECRET_WORDS:
        return SECRET_WORDS[value]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    target = _referenced_table(column, key)
    if target and isinstance(value, int):
        return names.name(target, value)
    if isinstance(value, enum.Enum):
        return _label(value)
    if isinstance(value, datetime):
        return govuk_datetime(value)
    if isinstance(value, date):
        return govuk_date(value)
    if isinstance(value, time):
        return clock_time(value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k)}: {_json_text(table_name, k, v, names)}" for k, v in value.items()
                         if k not in _HIDDEN_JSON_KEYS and not _is_blank(v))
    if isinstance(value, list):
        if any(isinstance(item, (dict, list)) for item in value):
            return "; ".join(f"{number}. {value_text(item, names, table_name=table_name)}"
                             for number, item in enumerate(value, start=1))
        return in_words([value_text(item, names, table_name=table_name) for item in value])
    if key in PLAIN_WORDS:
        return _label(value)
    if key == "size" and isinstance(value, int):
        from portal.templating import filesize

        return filesize(value)
    return str(value)


def _json_text(table_name, key, value, names):
    """A value inside a JSON column, typed by the same-named column of its record or of the records it belongs to
    (a notes version's ``kind`` is its visit's kind); dates are ISO text, so a key ending ``_on`` is a date."""
    column = _json_column(table_name, key)
    if column is not None:
        value = _from_plain(column, value)
    elif isinstance(value, str) and key.endswith("_on"):
        value = _iso_date(value)
    return value_text(value, names, column, key, table_name)


def _json_column(table_name, key):
    table = db.metadata.tables.get(table_name) if table_name else None
    if table is None:
        return None
    if key in table.c:
        return table.c[key]
    for foreign_key in table.foreign_keys:
        parent = foreign_key.column.table
        if key in parent.c:
            return parent.c[key]
    return None


def _iso_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def in_words(items):
    """["a", "b", "c"] -> "a, b and c"."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return items[0] if items else BLANK
    return ", ".join(items[:-1]) + " and " + items[-1]


def clock_time(value):
    """3:05pm."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


def field_label(key):
    """``visited_on`` -> "Visited on", ``adviser_id`` -> "Adviser", ``is_la_admin`` -> "LA admin"."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = key.removesuffix("_id").split("_")
    if len(words) > 1 and words[0] == "is":
        words = words[1:]
    text = " ".join(_WORDS.get(word, word) for word in words)
    return text[:1].upper() + text[1:]


def record_noun(table_name):
    return (table_name or "record").replace("_", " ").capitalize()


def _short(text, limit=80):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _half_term(values, names):
    from portal.terms.models import HALF_TERM_NAMES

    number = values.get("number") or 0
    term = HALF_TERM_NAMES[number - 1] if 1 <= number <= len(HALF_TERM_NAMES) else f"Half term {number}"
    return f"{term} {names.name('academic_year', values.get('academic_year_id'))}"


def _on(noun, day):
    from portal.templating import govuk_date

    return f"{noun} on {govuk_date(day)}" if day else noun


def _label(value):
    """An enum's label, or its value (or a code) spelt out: ``no_response`` -> "No response"."""
    return getattr(value, "label", None) or str(getattr(value, "value", value) or "").replace("_", " ").capitalize()


# What a person calls a record of each kind, from its own values and the names of the records it belongs to.
RECORD_NAMES = {
    "school_role": lambda v, n: f"{n.name('user', v.get('user_id'))}, {_label(v.get('role')).lower()} at "
                                f"{n.name('school', v.get('school_id'))}",
    "account_token": lambda v, n: f"{_label(v.get('purpose'))} link for {n.name('user', v.get('user_id'))}",
    "academic_year": lambda v, n: f"{v.get('start_year')} to {(v.get('start_year') or 0) + 1}",
    "half_term": _half_term,
    "closure_day": lambda v, n: _on("Closure day", v.get("day")),
    "deadline_settings": lambda v, n: "Deadline settings",
    "framework_version": lambda v, n: f"{n.name('framework', v.get('framework_id'))}, version {v.get('number')}",
    "area_descriptor": lambda v, n: f"{n.name('evaluation_area', v.get('area_id'))}: "
                                    f"{n.name('scale_grade', v.get('grade_id'))}",
    "area_judgement": lambda v, n: f"{n.name('evaluation_area', v.get('area_id'))}, "
                                   f"{n.name('self_evaluation', v.get('self_evaluation_id'))}",
    "inspection": lambda v, n: _on("Inspection", v.get("inspected_on")),
    "plan_agreement": lambda v, n: f"Agreement of {n.name('plan', v.get('plan_id'))}",
    "milestone": lambda v, n: f"{n.name('half_term', v.get('half_term_id'))} milestone: "
                              f"{n.name('success_criterion', v.get('criterion_id'))}",
    "plan_comment": lambda v, n: f"{_label(v.get('kind'))} on {_short(v.get('target_label') or 'the plan')}",
    "comment_reply": lambda v, n: f"Reply to {n.name('plan_comment', v.get('comment_id'))}",
    "review_meeting": lambda v, n: _on(_label(v.get("kind")) or "Meeting", v.get("meets_on")),
    "meeting_date_change": lambda v, n: f"Date change: {n.name('review_meeting', v.get('meeting_id'))}",
    "criterion_review": lambda v, n: f"RAG rating: {n.name('success_criterion', v.get('criterion_id'))}",
    "minutes_version": lambda v, n: f"Minutes version {v.get('number')}: {n.name('review_meeting', v.get('meeting_id'))}",
    "confirmer_nomination": lambda v, n: f"Who confirms the minutes: {n.name('review_meeting', v.get('meeting_id'))}",
    "evidence_version": lambda v, n: f"Version {v.get('number')} of {n.name('evidence_item', v.get('item_id'))}",
    "verification": lambda v, n: f"Decision on {n.name('evidence_item', v.get('item_id'))}",
    "visit": lambda v, n: _on(_label(v.get("kind")) or "Visit", v.get("visited_on")),
    "notes_version": lambda v, n: f"Notes version {v.get('number')}: {n.name('visit', v.get('visit_id'))}",
    "accuracy_response": lambda v, n: f"Accuracy check: {n.name('visit', v.get('visit_id'))}",
    "notes_correction": lambda v, n: f"Correction: {_short(v.get('passage_heading') or '')}",
}


def record_name(table_name, values, names):
    """What a person calls the record: its name or title, or what it is part of."""
    namer = RECORD_NAMES.get(table_name)
    if namer is not None:
        return namer(values, names)
    for key in ("name", "title", "display_name", "description"):
        if values.get(key):
            return _short(values[key])
    return record_noun(table_name)
