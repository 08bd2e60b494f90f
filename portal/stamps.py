"""One-row tables holding a random stamp that changes with what it watches (settings_cache, data_stamp).

A random value rather than a counter: writing it needs no read first, and two processes can never agree on a
stamp for different contents."""

import uuid

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column


class StampRow:
    """The columns of a stamp table (mixed into a model): row 1 holds the stamp."""

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))


def column(model):
    """The stamp as a scalar subquery, for a query that runs anyway (the user loader) to carry it."""
    return select(model.stamp).where(model.id == 1).scalar_subquery()


def read(session, model):
    return session.scalar(select(model.stamp).where(model.id == 1))


def write_new(session, model):
    """A new stamp in row 1, in the session's transaction (the row made if it is missing)."""
    stamp = uuid.uuid4().hex
    if session.execute(update(model).where(model.id == 1).values(stamp=stamp)).rowcount == 0:
        session.execute(model.__table__.insert().values(id=1, stamp=stamp))
