"""The first few rows of a list and how many there are in all, in one statement.

Home pages show the twenty things waiting longest and say how many wait; a window count is taken before LIMIT,
so the total comes back with the rows instead of costing a second statement."""

from sqlalchemy import func

from portal.extensions import db


def first_with_total(query, limit):
    """([the first ``limit`` entities of ``query``], how many it holds): ``query`` selects one entity, ordered."""
    found = db.session.execute(query.add_columns(func.count().over()).limit(limit)).all()
    return [entity for entity, _ in found], (found[0][1] if found else 0)
