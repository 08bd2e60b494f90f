"""A bounded load run with writes (issue 22; bench/load.py is wrk on two pages, for issue 21): 50 people for 60
seconds through locust, headless, on loopback against gunicorn (four workers) with PostgreSQL: headteachers
reading and submitting evidence with a file, advisers reading their home page and the verification queue. It
passes with no failed request and nothing lost: the evidence rows, file rows and stored files found afterwards
are exactly those before plus what the run says the portal accepted.

    .venv/bin/python -m bench.load_run [--users 50] [--seconds 60] [--schools 60]

Writes bench/results/load_run.md and load_run.json and prints the table; exits 1 when a request failed or anything is
missing. Needs the benchmark's extras (``make .venv/.installed-bench``) and the PostgreSQL of ``bench/run.py``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import la
from bench.run import _app, build_la, fresh_database
from bench.server import PASSWORD, serving

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def accounts(url):
    """The people the run signs in as: headteachers of schools with an agreed plan and a review ahead (with the
    meeting and a success criterion to submit evidence against), and advisers."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.extensions import db
    from portal.meetings.models import MeetingStatus, ReviewMeeting
    from portal.plans.models import Plan, PlanStatus
    from portal.schools.models import Role, SchoolRole

    today = la.PAGES_AT.date()
    app = _app(url)
    with app.app_context():
        heads = []
        meetings = db.session.execute(
            select(ReviewMeeting, Plan).join(Plan, Plan.id == ReviewMeeting.plan_id)
            .where(Plan.status.in_([PlanStatus.AGREED, PlanStatus.AMENDED]), ReviewMeeting.status == MeetingStatus.SCHEDULED,
                   ReviewMeeting.meets_on >= today).order_by(ReviewMeeting.meets_on)).all()
        for meeting, plan in meetings:
            if any(head["school"] == meeting.school_id for head in heads) or not plan.success_criteria:
                continue
            email = db.session.scalar(select(User.email).join(SchoolRole).where(
                SchoolRole.school_id == meeting.school_id, SchoolRole.role == Role.HEADTEACHER).limit(1))
            if email:
                heads.append({"email": email, "school": meeting.school_id, "meeting": meeting.id,
                              "criterion": plan.success_criteria[0].id})
        advisers = db.session.scalars(select(User.email).join(SchoolRole).where(SchoolRole.role == Role.ADVISER)
                                      .distinct()).all()
        db.engine.dispose()
    return {"password": PASSWORD, "heads": heads, "advisers": list(advisers)}


def found(url, uploads: Path):
    """(evidence rows, evidence file rows, files in storage): what the run's writes must add up to."""
    from sqlalchemy import func, select

    from portal.evidence.models import EvidenceFile, EvidenceItem
    from portal.extensions import db

    app = _app(url)
    with app.app_context():
        counted = (db.session.scalar(select(func.count()).select_from(EvidenceItem)),
                   db.session.scalar(select(func.count()).select_from(EvidenceFile)))
        db.engine.dispose()
    stored = sum(1 for path in uploads.rglob("*") if path.is_file() and not path.name.endswith(".part"))
    return {"evidence": counted[0], "evidence_files": counted[1], "stored_files": stored}


def run(users, seconds, schools):
    with tempfile.TemporaryDirectory() as scratch, fresh_database("postgresql", "load", Path(scratch)) as url:
        folder = Path(scratch)
        build_la(url, schools)
        people = accounts(url)
        (folder / "accounts.json").write_text(json.dumps(people))
        before = found(url, folder / "uploads")
        with serving(url, folder, as_of=la.PAGES_AT, workers=4) as (base, _):
            environment = dict(os.environ, LOAD_ACCOUNTS=str(folder / "accounts.json"),
                               LOAD_REPORT=str(folder / "report.json"))
            locust = Path(sys.executable).with_name("locust")
            subprocess.run([str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(users),
                            "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{seconds}s", "--host", base,
                            "--only-summary", "--stop-timeout", "30"], env=environment, cwd=ROOT, check=False)
        report = json.loads((folder / "report.json").read_text())
        after = found(url, folder / "uploads")
    written = report["written"]
    expected = {"evidence": before["evidence"] + written["evidence"],
                "evidence_files": before["evidence_files"] + written["files"],
                "stored_files": before["stored_files"] + written["files"]}
    return {"users": users, "seconds": seconds, "schools": schools, "cores": os.cpu_count(), **report,
            "before": before, "after": after, "expected": expected,
            "nothing_lost": after == expected, "passed": report["failures"] == 0 and after == expected}


def as_markdown(result):
    return "\n".join([
        f"# Load run: {result['users']} people for {result['seconds']} s",
        "",
        f"gunicorn (4 workers) with PostgreSQL on loopback, {result['schools']} schools, {result['cores']} cores. "
        "Headteachers read and submit evidence with a 50 KB file; advisers read their home page and the queue.",
        "",
        "| Requests | Failed | Requests/s | p50 ms | p95 ms | Evidence written | Found as written | Passed |",
        "|---:|---:|---:|---:|---:|---:|---|---|",
        f"| {result['requests']} | {result['failures']} | {result['requests_per_second']} | {result['p50_ms']} | "
        f"{result['p95_ms']} | {result['written']['evidence']} | {'yes' if result['nothing_lost'] else '**no**'} | "
        f"{'yes' if result['passed'] else '**no**'} |",
        "",
        f"Before: {result['before']}; after: {result['after']}; expected after: {result['expected']}.",
        ""])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--schools", type=int, default=60)
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.schools)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load_run.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "load_run.md").write_text(as_markdown(result))
    print(as_markdown(result))
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
