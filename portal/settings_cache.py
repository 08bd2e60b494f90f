"""The LA's settings (term dates, closure days, deadline offsets, the category scheme in use and the open
categorisation round) kept by each process between requests.

Nearly every page needs them and they change a few times a year, so reading them on every request cost several
statements on every page (issue 21). Instead, every change to one of them, made in any process, writes a new random
stamp into ``settings_stamp`` (one row) in the same transaction. A request reads the stamp once (the user loader
reads it with the signed-in person, so usually for free) and a process reuses what it loaded under that stamp.

- Safe across workers: a worker sees a changed setting as soon as the change is committed, because the stamp
  changed with it. The stamp is read before the settings, so what is kept under a stamp is never older than it.
- Rows changed with bulk statements (``session.execute(insert(HalfTerm), ...)``) change the stamp too.
- Without a stamp row (a database whose settings were cleared behind the portal's back) nothing is kept.
- ORM rows are loaded into a session of their own on the request's connection (so they see its uncommitted
  changes), kept detached, and merged into each request's session without SQL, so relationships and lazy loads
  behave as if the request had loaded them itself.
"""

import threading
from functools import wraps
from itertools import chain

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import per_request, stamps
from portal.extensions import db

_MISSING = object()
_STAMP = "_settings_stamp"
_watched: set[type] = set()
_kept: dict = {}
_lock = threading.Lock()
KEPT_STAMPS = 4  # old stamps' values are dropped; a process needs only the newest


class SettingsStamp(stamps.StampRow, db.Model):
    """One row: a random value that changes with every change to the LA's settings."""

    __tablename__ = "settings_stamp"


def stamp_column():
    return stamps.column(SettingsStamp)


def remember_stamp(value):
    """Record the stamp another query read, so this request does not ask for it again."""
    if has_request_context():
        g.setdefault(per_request.KEY, {})[_STAMP] = value


def current_stamp():
    """The stamp as this request's transaction sees it (None: nothing may be kept)."""
    memo = g.setdefault(per_request.KEY, {})
    value = memo.get(_STAMP, _MISSING)
    if value is _MISSING:
        value = memo[_STAMP] = stamps.read(db.session, SettingsStamp)
    return value


def kept_between_requests(*models):
    """Keep the function's answer in this process until a row of ``models`` changes anywhere.

    The function takes the session to load with (callers pass nothing) and must answer with rows, lists or tuples of
    rows, or plain values; it must not depend on the time or on the person signed in. It is asked once a request."""

    def decorator(function):
        _watched.update(models)
        per_request.watch(*models)

        @wraps(function)
        def wrapper(*args):
            if not has_request_context():
                return function(db.session, *args)
            memo = g.setdefault(per_request.KEY, {})
            key = (function.__module__, function.__qualname__, args)
            if key not in memo:
                memo[key] = _answer(function, key, args)
            return memo[key]

        return wrapper

    return decorator


def _answer(function, key, args):
    stamp = current_stamp()
    if stamp is None:
        return function(db.session, *args)
    with _lock:
        found = _kept.get((stamp, key), _MISSING)
    if found is _MISSING:
        found = _load_detached(function, args)
        with _lock:
            stamps = {kept_stamp for kept_stamp, _ in _kept}
            if stamp not in stamps and len(stamps) >= KEPT_STAMPS:
                _kept.clear()
            _kept[(stamp, key)] = found
    return _merged(found)


def _load_detached(function, args):
    """Load through a session of its own on this request's connection, then let the rows go."""
    loader = Session(bind=db.session.connection(), autoflush=False, expire_on_commit=False)
    try:
        answer = function(loader, *args)
        loader.expunge_all()
    finally:
        loader.close()
    return answer


def _merged(value):
    """Rows merged into this request's session without SQL; other values as they are."""
    if isinstance(value, (list, tuple)):
        return type(value)(_merged(element) for element in value)
    if hasattr(value, "_sa_instance_state") and value._sa_instance_state.key is not None:
        return db.session.merge(value, load=False)
    return value


def forget_everything():
    """Drop what this process keeps (tests that change settings behind the portal's back)."""
    with _lock:
        _kept.clear()


def _new_stamp(session):
    if has_request_context():
        g.get(per_request.KEY, {}).pop(_STAMP, None)
    stamps.write_new(session, SettingsStamp)


@event.listens_for(Session, "before_flush")
def _stamp_changed_settings(session, flush_context, instances):
    watched = tuple(_watched)
    if watched and any(isinstance(obj, watched) for obj in chain(session.new, session.dirty, session.deleted)):
        _new_stamp(session)


@event.listens_for(Session, "do_orm_execute")
def _stamp_bulk_changes(state):
    """``session.execute(insert(HalfTerm), rows)`` and the like bypass the flush; they change the stamp too."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)  # an annotated copy of the model's table: compare names
    if table is not None and any(model.__tablename__ == table.name for model in _watched):
        _new_stamp(state.session)
