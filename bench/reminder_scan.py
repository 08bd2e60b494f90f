"""Benchmark: the reminder scan at national size (20,000 schools, 120,000 meetings) on SQLite or PostgreSQL.

    .venv/bin/python bench/reminder_scan.py [--database URL] [--schools 20000]

Builds the dataset once into a throwaway database (SQLite in a temporary folder unless --database names an empty
PostgreSQL database), then runs the scan as of the pinned day twice, each in a fresh process: the first scan
(everything due is queued) and a repeat scan (nothing new). Prints seconds and the process's peak memory for each.
Budgets (issue 21): first scan under 30 s, repeat under 3 s, each under 300 MB.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(url):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_IN_WEB": False,
                       "PUBLIC_URL": "https://portal.example.org"})


def build(url, schools):
    from flask_migrate import upgrade

    from bench import national

    app = _app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        counts = national.build(schools=schools)
        counts["build_seconds"] = round(time.perf_counter() - started, 1)
    return counts


def scan_once(url):
    """In this process: one scan as of the pinned day; prints seconds, peak memory and what it did as JSON."""
    from bench.national import TODAY
    from portal.reminders.scan import scan

    app = _app(url)
    with app.app_context():
        started = time.perf_counter()
        result = scan(today=TODAY)
        seconds = time.perf_counter() - started
    peak_mb = _peak_mb()
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb), "queued": result["queued"],
                      "cancelled": result["cancelled"]}))


def _peak_mb():
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike ru_maxrss, which a child started
    from the (large) building process would inherit."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scan_in_child(url):
    output = subprocess.run([sys.executable, __file__, "--scan-once", url], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="an empty database to build in (default: SQLite in a temporary folder)")
    parser.add_argument("--schools", type=int, default=20_000)
    parser.add_argument("--built", metavar="URL", help="scan a database this benchmark built before, without building")
    parser.add_argument("--scan-once", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan_once:
        return scan_once(args.scan_once)
    with tempfile.TemporaryDirectory() as folder:
        url = args.built or args.database or f"sqlite:///{folder}/national.sqlite3"
        if not args.built:
            counts = build(url, args.schools)
            print(f"Built {counts['schools']:,} schools, {counts['meetings']:,} meetings in {counts['build_seconds']} s")
        for label in ("first scan", "repeat scan"):
            result = _scan_in_child(url)
            print(f"{label:12} {result['seconds']:7.2f} s  {result['peak_mb']:5d} MB  "
                  f"queued {result['queued']:,}, cancelled {result['cancelled']:,}")


if __name__ == "__main__":
    main()
