"""A condition "this column is one of these thousands of values", put the way each database answers it best.

PostgreSQL takes the values as one array parameter (``column = ANY(:values)``): one statement however many there
are, whose short text psycopg prepares once, where an ``IN`` list of hundreds of parameters is converted anew each
time. SQLite has no arrays, so it is asked in slices well under its limit on parameters.
"""

from sqlalchemy import ARRAY, any_, bindparam

from portal.extensions import db

SLICE = 500


def among(column, values) -> list:
    """Conditions that together say ``column`` is one of ``values``: run the query once with each (one condition on
    PostgreSQL, one per slice of ``SLICE`` elsewhere; none for no values)."""
    values = list(values)
    if not values:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam(None, values, type_=ARRAY(column.type)))]
    return [column.in_(values[start:start + SLICE]) for start in range(0, len(values), SLICE)]
