"""A condition "this column is one of these thousands of values", put the way each database answers it best.

``one_of``: one condition, for the ids of a page or of an LA's schools inside a bigger statement. On PostgreSQL a
long list is one array parameter, unnested so the planner can hash it; SQLite takes an IN list.

``among``: one condition per slice, for tens of thousands of values (a national reminder scan), each run as a
statement of its own. PostgreSQL takes the values as one array parameter (``column = ANY(:values)``): one
statement however many there are, whose short text psycopg prepares once, where an ``IN`` list of hundreds of
parameters is converted anew each time. SQLite has no arrays, so it is asked in slices well under its limit on
parameters.
"""

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, select

from portal.extensions import db

SLICE = 500
# Beyond this many ids, PostgreSQL gets them as one array to join against rather than an IN list, which it compares
# with every row in turn (at 600 schools that was half the time of the LA overview's meetings query), and which
# SQLAlchemy and psycopg render and convert anew for each request.
LONG_LIST = 50


def one_of(column, ids):
    """``column IN ids`` (integer ids: a page's schools, or every school of an LA) as one condition, the same
    statement count however many. On PostgreSQL a long list is one array parameter, unnested so the planner can
    hash it; SQLite takes an IN list (up to 32,766 parameters)."""
    ids = list(ids)
    if len(ids) > LONG_LIST and db.session.get_bind().dialect.name == "postgresql":
        return column.in_(select(func.unnest(bindparam(None, ids, type_=ARRAY(Integer)))))
    return column.in_(ids)


def among(column, values) -> list:
    """Conditions that together say ``column`` is one of ``values``: run the query once with each (one condition on
    PostgreSQL, one per slice of ``SLICE`` elsewhere; none for no values)."""
    values = list(values)
    if not values:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam(None, values, type_=ARRAY(column.type)))]
    return [column.in_(values[start:start + SLICE]) for start in range(0, len(values), SLICE)]
