"""The benchmark in one command: ``make bench`` (or ``.venv/bin/python -m bench.run``).

For SQLite and PostgreSQL (where a server answers), it builds the LA dataset (bench/la.py: 600 schools, five
years of history) and a tenth of it, serves each through gunicorn (two workers, loopback) and times every main
page beside the baseline route at the page's own size, with the SQL statements each page took; at LA size it
also times the LA overview's XLSX export and runs wrk on the adviser home, the LA overview and the baseline.
At national size (bench/national.py: 20,000 schools, 120,000 meetings) it times the LA overview and the
reminder scan (first and repeat). Then 500 MB evidence uploads, both ways a browser sends them (bench/upload.py).
The results, with the budgets of issue 21, go to bench/results/results.md and .json and are printed.

    .venv/bin/python -m bench.run [--quick] [--no-postgres] [--no-upload] [--no-national]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load as wrk  # noqa: E402
from bench.pages import measure_pages, percentile, session_cookie  # noqa: E402
from bench.server import serving, signed_in  # noqa: E402

RESULTS = ROOT / "bench" / "results"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NATIONAL_ADMIN = "admin@bench.example.org"
BUDGET = {"p95_ms": 150, "p95_over_baseline": 3, "statements": 15, "throughput_share": 0.4,
          "upload_growth_mb": 64, "upload_share": 0.5, "scan_first_s": 30, "scan_repeat_s": 3, "scan_mb": 300}


# --- databases --------------------------------------------------------------------------------------------------

def postgres_answers():
    import psycopg

    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


@contextmanager
def fresh_database(kind, name, folder):
    """The URL of an empty database of ``kind`` ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / (name + '.sqlite3')}"
        return
    import psycopg

    database = f"bench_{name}_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + database
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _app(url):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_IN_WEB": False,
                       "PUBLIC_URL": "https://portal.example.org", "PASSWORD_HASH_PROFILE": "CHEAPEST"})


def _analyze(url):
    """PostgreSQL's autovacuum analyses freshly loaded tables within a minute or so; do it now, as a deployment
    that has been running would have, rather than time the planner's guesses about empty tables."""
    from sqlalchemy import text

    from portal.extensions import db

    if url.startswith("postgresql"):
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def build_la(url, schools):
    """Build the LA dataset; return (seconds, the pages to time)."""
    from flask_migrate import upgrade

    from bench import la

    app = _app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        la.build(schools=schools)
        seconds = time.perf_counter() - started
        _analyze(url)
        pages = la.sample_pages()
        from portal.extensions import db

        db.engine.dispose()
    return round(seconds, 1), pages


def build_national(url, schools):
    """Build the national dataset with an LA admin who can sign in; return seconds."""
    from bench.reminder_scan import build
    from bench.server import PASSWORD
    from portal.auth.models import User
    from portal.auth.passwords import hash_password
    from portal.extensions import db

    counts = build(url, schools)
    app = _app(url)
    with app.app_context():
        db.session.add(User(email=NATIONAL_ADMIN, name="LA admin", is_la_admin=True,
                            password_hash=hash_password(PASSWORD)))
        db.session.commit()
        _analyze(url)
        db.engine.dispose()
    return counts["build_seconds"]


# --- measuring ----------------------------------------------------------------------------------------------------

def time_export(base, email, path, runs=5):
    session = signed_in(base, email)
    timings, response = [], None
    for _ in range(runs):
        started = time.perf_counter()
        response = session.get(f"{base}{path}", timeout=300)
        timings.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200 and response.content[:2] == b"PK", "the export is not an XLSX file"
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "bytes": len(response.content), "statements": int(response.headers.get("X-Bench-Statements", -1))}


def load_runs(base, pages, seconds):
    """wrk on the adviser home and the LA overview (signed in), and on the baseline at the overview's size."""
    import requests

    found = []
    overview_bytes = None
    for label, email, path in pages:
        cookie = session_cookie(base, email)
        answer = requests.get(f"{base}{path}", headers={"Cookie": cookie}, timeout=60, allow_redirects=False)
        if answer.status_code != 200:
            raise RuntimeError(f"{label}: {answer.status_code} with the session cookie")
        overview_bytes = overview_bytes or len(answer.content)
        found.append({"page": label, **wrk.load(f"{base}{path}", cookie, seconds)})
    empty = len(requests.get(f"{base}/_bench/baseline?bytes=0", timeout=30).content)
    found.append({"page": "Baseline route", **wrk.load(f"{base}/_bench/baseline?bytes={max(0, overview_bytes - empty)}",
                                                        None, seconds)})
    return found


def scans(url):
    from bench.reminder_scan import _scan_in_child

    return {label: _scan_in_child(url) for label in ("first", "repeat")}


# --- budgets and the table ------------------------------------------------------------------------------------------

def judge(results):
    """Mark each figure against its budget (never the other way round)."""
    by_page = {}
    for row in results["pages"]:
        # As served (from memory while nothing changed) within both limits; worked out (after any change) still
        # under the absolute limit and the statement budget, which is about the work behind the page.
        row["within_budget"] = (row["p95_ms"] <= BUDGET["p95_ms"]
                                and row["p95_ms"] <= BUDGET["p95_over_baseline"] * row["baseline_p95_ms"]
                                and row["worked_out_p95_ms"] <= BUDGET["p95_ms"]
                                and 0 <= row["worked_out_statements"] <= BUDGET["statements"])
        if row["size"] in ("LA", "small LA"):
            by_page.setdefault((row["database"], row["page"]), {})[row["size"]] = row["worked_out_statements"]
    for row in results["pages"]:
        counts = by_page.get((row["database"], row["page"]), {})
        row["same_count_both_sizes"] = len(set(counts.values())) <= 1
        row["within_budget"] = row["within_budget"] and row["same_count_both_sizes"]
    for database, runs in results["load"].items():
        baseline = next(r for r in runs if r["page"] == "Baseline route")["requests_per_s"]
        for run in runs:
            run["share_of_baseline"] = round(run["requests_per_s"] / baseline, 2) if baseline else None
            run["within_budget"] = run["errors"] == 0 and (run["page"] == "Baseline route"
                                                            or run["share_of_baseline"] >= BUDGET["throughput_share"])
    if results.get("upload"):
        upload = results["upload"]
        upload["within_budget"] = (upload["worker_rss_growth_mb"] < BUDGET["upload_growth_mb"]
                                   and upload["ratio"] >= BUDGET["upload_share"])
    for database, scan in results["scan"].items():
        scan["within_budget"] = (scan["first"]["seconds"] < BUDGET["scan_first_s"]
                                 and scan["repeat"]["seconds"] < BUDGET["scan_repeat_s"]
                                 and max(scan["first"]["peak_mb"], scan["repeat"]["peak_mb"]) < BUDGET["scan_mb"])


def _mark(ok):
    return "yes" if ok else "**no**"


def table(results):
    machine = results["machine"]
    lines = [f"# Benchmark results, {machine['date']}", "",
             f"{machine['cores']} cores, Python {machine['python']}, {machine['system']}. Budgets from issue 21: "
             f"p95 under {BUDGET['p95_ms']} ms and within {BUDGET['p95_over_baseline']}x the baseline route at the "
             f"page's size, at most {BUDGET['statements']} SQL statements and the same count at both sizes.", "",
             "## Pages (gunicorn, 2 workers, loopback)", "",
             "As served: the same person asking again while nothing has changed (the page comes from memory, "
             "portal/page_cache.py). Worked out: as after any change, or a hard reload (`Cache-Control: no-cache`); "
             f"it must still be under {BUDGET['p95_ms']} ms and {BUDGET['statements']} statements.", "",
             "| Database | Size | Page | p50 ms | p95 ms | Baseline p95 ms | Statements | Worked out p50 ms | "
             "Worked out p95 ms | Worked out statements | KB | Within budget |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in results["pages"]:
        lines.append(f"| {row['database']} | {row['size']} | {row['page']} | {row['p50_ms']} | {row['p95_ms']} | "
                     f"{row['baseline_p95_ms']} | {row['statements']} | {row['worked_out_p50_ms']} | "
                     f"{row['worked_out_p95_ms']} | {row['worked_out_statements']} | {row['bytes'] // 1024} | "
                     f"{_mark(row['within_budget'])} |")
    if results["export"]:
        lines += ["", "## LA overview XLSX export (LA size)", "", "| Database | p50 ms | p95 ms | KB | Statements |",
                  "|---|---:|---:|---:|---:|"]
        for database, export in results["export"].items():
            lines.append(f"| {database} | {export['p50_ms']} | {export['p95_ms']} | {export['bytes'] // 1024} | "
                         f"{export['statements']} |")
    if results["load"]:
        lines += ["", f"## Load (wrk, {results['load_seconds']} s, 20 connections, LA size)", "",
                  "| Database | Page | Requests/s | Errors | Share of baseline | Within budget |", "|---|---|---:|---:|---:|---|"]
        for database, runs in results["load"].items():
            for run in runs:
                lines.append(f"| {database} | {run['page']} | {run['requests_per_s']} | {run['errors']} | "
                             f"{run['share_of_baseline']} | {_mark(run['within_budget'])} |")
    if results.get("upload"):
        upload = results["upload"]
        lines += ["", "## Evidence upload through gunicorn", "",
                  f"{upload['size_mb']} MB, medians of {upload.get('rounds', 1)} rounds. As a browser with JavaScript "
                  f"sends it (the file alone, as soon as it is chosen): {upload['upload_mb_s']} MB/s beside a plain "
                  f"copy's {upload['copy_mb_s']} MB/s ({upload['ratio']:.0%}; the budget's comparison) and a hashing "
                  f"copy's {upload['hashing_copy_mb_s']} MB/s ({upload['ratio_to_hashing_copy']:.0%}: read, SHA-256, "
                  f"write, as the portal must). "
                  + (f"In a form without JavaScript (multipart): {upload['form_upload_mb_s']} MB/s "
                     f"({upload['form_ratio']:.0%}). " if "form_upload_mb_s" in upload else "") +
                  f"The worker grew by at most {upload['worker_rss_growth_mb']} MB. "
                  + (f"gunicorn alone, reading the same bytes and keeping none, managed {upload['server_read_mb_s']} MB/s "
                     f"({upload['server_read_ratio']:.0%} of the plain copy). " if "server_read_mb_s" in upload else "") +
                  f"Within budget: {_mark(upload['within_budget'])}."]
    if results["scan"]:
        lines += ["", "## Reminder scan at national size", "",
                  "| Database | First scan s | MB | Queued | Repeat scan s | MB | Within budget |", "|---|---:|---:|---:|---:|---:|---|"]
        for database, scan in results["scan"].items():
            first, repeat = scan["first"], scan["repeat"]
            lines.append(f"| {database} | {first['seconds']} | {first['peak_mb']} | {first['queued']:,} | "
                         f"{repeat['seconds']} | {repeat['peak_mb']} | {_mark(scan['within_budget'])} |")
    lines += ["", "## Datasets built", ""] + [f"- {name}: {seconds} s" for name, seconds in results["built"].items()]
    return "\n".join(lines) + "\n"


# --- the run ------------------------------------------------------------------------------------------------------

def run(args):
    from bench import la

    results = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.system(),
                           "date": datetime.now().strftime("%d %B %Y")},
               "pages": [], "export": {}, "load": {}, "scan": {}, "built": {}, "load_seconds": args.load_seconds}
    databases = ["sqlite"] + (["postgresql"] if not args.no_postgres and postgres_answers() else [])
    sizes = [("small LA", max(args.schools // 10, 20)), ("LA", args.schools)]
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        scratch = Path(scratch)
        for database in databases:
            for size, schools in sizes:
                folder = scratch / f"{database}-{schools}"
                folder.mkdir()
                with fresh_database(database, f"la{schools}", folder) as url:
                    print(f"{database}: building the LA dataset at {schools} schools …", flush=True)
                    seconds, pages = build_la(url, schools)
                    results["built"][f"{database}, {schools} schools"] = seconds
                    with serving(url, folder, as_of=la.PAGES_AT) as (base, _):
                        for row in measure_pages(base, pages, args.runs):
                            results["pages"].append({"database": database, "size": size, **row})
                        if size == "LA":
                            results["export"][database] = time_export(base, la.ADMIN_EMAIL, "/overview.xlsx")
                            if wrk.wrk_available():
                                chosen = [p for p in pages if p[2] == "/"][:2]
                                results["load"][database] = load_runs(base, chosen, args.load_seconds)
            if not args.no_national:
                folder = scratch / f"{database}-national"
                folder.mkdir()
                with fresh_database(database, "national", folder) as url:
                    print(f"{database}: building the national dataset …", flush=True)
                    from bench import national

                    results["built"][f"{database}, national"] = build_national(url, args.national)
                    results["scan"][database] = scans(url)
                    with serving(url, folder, as_of=datetime.combine(national.TODAY, datetime.min.time().replace(hour=10))) \
                            as (base, _):
                        for row in measure_pages(base, [("LA admin home (LA overview, page 1)", NATIONAL_ADMIN, "/")],
                                                 max(5, args.runs // 3)):
                            results["pages"].append({"database": database, "size": "national", **row})
        if not args.no_upload:
            from bench import upload

            print("Uploading one evidence file of %d MB …" % args.upload_mb, flush=True)
            results["upload"] = upload.run(size_mb=args.upload_mb)
    judge(results)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--national", type=int, default=20_000, help="schools in the national dataset")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--upload-mb", type=int, default=500)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-upload", action="store_true")
    parser.add_argument("--no-national", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 60 schools, 2,000 national, 5 runs, 5 s load, 50 MB")
    parser.add_argument("--results", default=str(RESULTS), help="folder for results.md and results.json")
    args = parser.parse_args()
    if args.quick:
        args.schools, args.national, args.runs, args.load_seconds, args.upload_mb = 60, 2_000, 5, 5, 50
    results = run(args)
    folder = Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = table(results)
    (folder / "results.md").write_text(markdown)
    (folder / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
