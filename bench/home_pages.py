"""Benchmark: the LA overview and an adviser's home page at local-authority scale.

Builds a throwaway SQLite portal with N schools (default 600), one adviser per
40 schools and a headteacher at each; each school has a plan with an open
comment on it and a visit whose notes are due (half of them issued and waiting
for the school), and a category from a published round (with a second round open). Then times the pages and counts the SQL statements behind each. Run:  .venv/bin/python bench/home_pages.py [--schools 600]
Figures are printed, not asserted: the tests assert the query counts stay flat.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

from portal import create_app
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.schools.models import LocalAuthority, Role, School, SchoolRole

PASSWORD = "benchmark-password"


def build(app, schools):
    with app.app_context():
        upgrade()
        la = LocalAuthority(code="999", name="Bench Borough")
        password_hash = hash_password(PASSWORD)
        admin = User(email="admin@bench.example.org", name="Admin", is_la_admin=True, password_hash=password_hash)
        db.session.add_all([la, admin])
        advisers = [User(email=f"adviser{n}@bench.example.org", name=f"Adviser {n}", password_hash=password_hash)
                    for n in range(schools // 40 + 1)]
        db.session.add_all(advisers)
        for n in range(schools):
            school = School(urn=200000 + n, name=f"School {n:04d}", phase="Primary", local_authority=la)
            head = User(email=f"head{n}@bench.example.org", name=f"Head {n}", password_hash=password_hash)
            db.session.add_all([school, head, SchoolRole(user=head, school=school, role=Role.HEADTEACHER),
                                SchoolRole(user=advisers[n // 40], school=school, role=Role.ADVISER)])
        db.session.commit()
        _plans_visits_and_comments(advisers)
        _categories(admin)


def _categories(admin):
    """The neutral scheme in use, one published round deciding every school, and an open round with no proposals."""
    from datetime import date

    from portal.categories import rules, schemes

    version = schemes.publish(schemes.scheme_from_data(schemes.ready_made("neutral")).versions[0])
    schemes.make_current(version.scheme)
    db.session.flush()
    autumn = rules.start_round(name="Autumn 2026", opens_on=date(2026, 10, 6), proposals_due_on=date(2026, 10, 23))
    for n, school in enumerate(db.session.scalars(db.select(School).order_by(School.id))):
        rules.change(autumn, school, admin, category_id=version.categories[n % len(version.categories)].id,
                     reason="Benchmark")
    rules.publish_round(autumn, admin, date(2026, 10, 27))
    rules.start_round(name="Spring 2027", opens_on=date(2027, 2, 2), proposals_due_on=date(2027, 2, 19))
    db.session.commit()


def _plans_visits_and_comments(advisers):
    """A plan per school with an open comment, and a visit (drafts at even schools, issued notes at odd ones)."""
    from datetime import date

    from portal.comments.models import CommentKind, PlanComment
    from portal.plans.models import Plan, Priority
    from portal.terms.rules import save_term_dates
    from portal.visits.models import NotesStatus, Visit, VisitKind

    year = save_term_dates(None, 2026, [(date(2026, 9, 2), date(2026, 10, 23)), (date(2026, 11, 2), date(2026, 12, 18)),
                                        (date(2027, 1, 5), date(2027, 2, 12)), (date(2027, 2, 22), date(2027, 3, 26)),
                                        (date(2027, 4, 12), date(2027, 5, 28)), (date(2027, 6, 7), date(2027, 7, 21))])
    for n, school in enumerate(db.session.scalars(db.select(School).order_by(School.id))):
        adviser = advisers[n // 40]
        plan = Plan(school=school, academic_year=year, title="Raising Achievement Plan")
        priority = Priority(plan=plan, title="Improve reading", position=0)
        comment = PlanComment(school_id=school.id, plan=plan, target_label="Priority 1: Improve reading",
                              kind=CommentKind.QUESTION, body="How will you know?", created_by_id=adviser.id)
        db.session.add_all([plan, priority])
        db.session.flush()
        comment.priority_id = priority.id
        issued = n % 2 == 1
        db.session.add_all([comment, Visit(
            school_id=school.id, plan=plan, visited_on=date(2026, 11, 2), kind=VisitKind.MONITORING, adviser_id=adviser.id,
            status=NotesStatus.ISSUED if issued else NotesStatus.DRAFT, draft={"summary": "", "sections": []},
            response_due_on=date(2099, 1, 1) if issued else None)])
    db.session.commit()


def measure(app, email, path, runs):
    client = app.test_client()
    client.post("/sign-in", data={"email": email, "password": PASSWORD})
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(1)  # noqa: E731
    timings = []
    for _ in range(runs):
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings), len(statements)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "PASSWORD_HASH_PROFILE": "CHEAPEST", "WTF_CSRF_ENABLED": False})
    build(app, args.schools)
    print(f"{args.schools} schools, median of {args.runs} requests (SQLite, test client, one process)")
    for label, email, path in [
        ("LA overview (page 1 of schools)", "admin@bench.example.org", "/"),
        ("LA schools list", "admin@bench.example.org", "/admin/schools"),
        ("Adviser home (40 schools)", "adviser0@bench.example.org", "/"),
        ("Headteacher home", "head0@bench.example.org", "/"),
        ("Headteacher home (notes to check)", "head1@bench.example.org", "/"),
        ("Adviser verification page", "adviser0@bench.example.org", "/verification"),
        ("Plan page", "adviser0@bench.example.org", "/schools/1/plans/1"),
        ("LA overview filtered (category)", "admin@bench.example.org", "/?category=d&sort=overdue"),
        ("LA overview XLSX export (all)", "admin@bench.example.org", "/overview.xlsx"),
        ("Adviser caseload CSV export", "adviser0@bench.example.org", "/overview.csv"),
        ("Moderation page (open round)", "admin@bench.example.org", "/categories/rounds/2"),
        ("Moderation page (published round)", "admin@bench.example.org", "/categories/rounds/1"),
        ("Visits across schools (LA admin)", "admin@bench.example.org", "/visits"),
    ]:
        median_ms, queries = measure(app, email, path, args.runs)
        print(f"  {label:34} {median_ms:7.1f} ms  {queries:3d} SQL statements")


if __name__ == "__main__":
    main()
