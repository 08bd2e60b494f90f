"""The operator's commands."""


from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import School, SchoolRole
from portal.terms.models import AcademicYear
from tests.test_gias import GOOD, gias_file, gias_row


def test_demo_data_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0 and "Demo data loaded" in first.output and "la.admin@example.org" in first.output
    second = runner.invoke(args=["demo-data"])
    assert "already loaded" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 12
        assert db.session.scalar(select(func.count()).select_from(User)) == 11
        phases = set(db.session.scalars(select(School.phase)))
        assert {"Nursery", "Primary", "Secondary", "All-through"} <= phases
        assert db.session.scalar(select(func.count()).select_from(AcademicYear)) == 3  # last year's, this year's, next
        roles = {m.role.value for m in db.session.scalars(select(SchoolRole))}
        assert roles == {"headteacher", "senior_leader", "governor", "chair_of_governors", "clerk", "adviser"}
        assert db.session.scalar(select(User).where(User.is_la_admin.is_(True))) is not None


def test_demo_accounts_sign_in_with_the_readme_password(app, client):
    from portal.demo import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["demo-data"])
    readme = open("README.md", encoding="utf-8").read()
    assert f"`{DEMO_PASSWORD}`" in readme
    response = client.post("/sign-in", data={"email": "head.brookside@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_demo_data_refused_in_production(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo-data"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert result.exit_code != 0 and "Refusing" in result.output


def test_create_admin(app, client):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Lead@Example.org", "--name", "Jo Lead"], input="a-long-password\na-long-password\n"
    )
    assert result.exit_code == 0, result.output
    assert client.post("/sign-in", data={"email": "lead@example.org", "password": "a-long-password"}).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_import_gias_command(app, tmp_path):
    csv_path = tmp_path / "edubase.csv"
    csv_path.write_bytes(gias_file(GOOD))
    result = app.test_cli_runner().invoke(args=["import-gias", str(csv_path), "--la-code", "870"])
    assert result.exit_code == 0 and "3 schools added" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(gias_file(GOOD + [gias_row("12x", "Bad URN School")]))
    result = app.test_cli_runner().invoke(args=["import-gias", str(bad), "--la-code", "870"])
    assert result.exit_code != 0 and "Nothing was imported" in result.output and "Row 8: URN '12x' is not a number" in result.output
