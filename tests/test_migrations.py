"""Migrations that change data as well as tables: what was there before comes through."""

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db


def test_schools_already_there_get_their_name_key(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 64, "SCHEDULER_IN_WEB": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/before.sqlite3"})
    local_authority = sa.table("local_authority", sa.column("id", sa.Integer()), sa.column("code", sa.String()),
                               sa.column("name", sa.String()))
    school = sa.table("school", *(sa.column(name) for name in ("id", "urn", "name", "local_authority_id", "phase",
                                                                 "establishment_type", "status", "head_name", "active",
                                                                 "name_key")))
    with app.app_context():
        upgrade(revision="0031_school_role_index")
        with db.engine.begin() as connection:
            connection.execute(local_authority.insert().values(id=1, code="999", name="Borough"))
            connection.execute(school.insert(), [
                {"id": number, "urn": 100000 + number, "name": name, "local_authority_id": 1, "phase": "Primary",
                 "establishment_type": "", "status": "Open", "head_name": "", "active": True}
                for number, name in enumerate(["Abbey Primary", "ÉCOLE du Parc", "St Mary's"], start=1)])
        upgrade()
        with db.engine.connect() as connection:
            keys = connection.execute(sa.select(school.c.name_key).order_by(school.c.id)).scalars().all()
        db.engine.dispose()
    assert keys == ["abbey primary", "école du parc", "st mary's"]
