"""A random stamp that changes with every committed change to the portal's data, in any process.

Why: a page that only reads may be kept and served again (``portal/page_cache.py``) for as long as nothing it
could show has changed. Rather than work out which rows each page reads, any transaction that writes anything
through the ORM session writes a new stamp into ``data_stamp`` (one row) just before it commits, in the same
transaction: the change and the new stamp become visible together, to every worker. The user loader reads the
stamp with the signed-in person, so checking it costs no statement of its own.

- The stamp is written last, just before COMMIT, so the row lock it takes on PostgreSQL is held only for the
  commit itself and two writers can never deadlock over it.
- Bulk statements through the session (``session.execute(update(...))``, ``text(...)``) count as changes.
- Writes that bypass the session (raw connections, another program) do not change it; where that matters the
  page checks anew on every view (the minutes page: its digest and document, ``kept_page(checked_by=...)``).
- Without the row (a database emptied behind the portal's back) nothing may be kept.
"""

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import stamps
from portal.extensions import db

_CHANGED = "data_changed"
_READ = "_data_stamp"


class DataStamp(stamps.StampRow, db.Model):
    """One row: a random value that changes with every committed change to the data."""

    __tablename__ = "data_stamp"


def stamp_column():
    return stamps.column(DataStamp)


def remember(value):
    """Record the stamp the user loader read, as this request's."""
    if has_request_context():
        g.setdefault(_READ, value)


def current():
    """The stamp this request read first (None: no row, so nothing may be kept)."""
    if _READ not in g:
        g.setdefault(_READ, stamps.read(db.session, DataStamp))
    return g.get(_READ)


@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context):
    if session.new or session.dirty or session.deleted:
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == DataStamp.__tablename__:
        return
    state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _new_stamp(session):
    session.flush()  # the commit would flush next; flushing first makes the stamp the transaction's last write
    if not session.info.pop(_CHANGED, False):
        return
    stamps.write_new(session, DataStamp)


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    """A rolled-back transaction changed nothing (a savepoint's end leaves the rest of its transaction's flag)."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
