"""``among``: "one of these thousands of values" on SQLite (slices) and PostgreSQL (one array parameter)."""

from sqlalchemy import select

from portal.extensions import db
from portal.many_values import SLICE, among
from portal.schools.models import School


def test_every_match_is_found_however_many_values_are_asked_for(app, world):
    wanted = [world.school(f"School {number}") for number in range(3)]
    world.school("Not asked for")
    values = [*range(10_000, 10_000 + 2 * SLICE + 3), *wanted]  # more than two slices, mostly matching nothing
    with app.app_context():
        conditions = among(School.id, values)
        found = [school_id for condition in conditions
                 for school_id in db.session.scalars(select(School.id).where(condition))]
        one_query = db.session.get_bind().dialect.name == "postgresql"
    assert sorted(found) == sorted(wanted)
    assert len(conditions) == (1 if one_query else 3)


def test_no_values_ask_nothing(app):
    with app.app_context():
        assert among(School.id, []) == []
