"""Timing the main pages through the real server, each beside the baseline route at the page's own size."""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.server import signed_in


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# A hard reload's header: the portal works the page out rather than serve it from memory (portal/page_cache.py).
WORKED_OUT = {"Cache-Control": "no-cache"}


def _timed(session, url, runs, headers=None, workers=2):
    """(milliseconds of each request, the last response) after warm-up requests: at least four, and until each of
    the server's ``workers`` has answered (so each has the page in memory). Which worker takes a request is up to
    the operating system: one after another, seventeen in a row have gone to one worker, so the warm-up asks
    ``workers`` at once, each on a session of its own with the same cookies; a busy worker leaves the next request
    to another."""
    sessions = [session]
    for _ in range(workers - 1):
        other = requests.Session()
        other.cookies.update(session.cookies)
        sessions.append(other)
    answered_by = set()
    with ThreadPoolExecutor(workers) as pool:
        for warm_up in range(20):
            if warm_up >= 2 and len(answered_by) >= workers:
                break
            answered_by.update(pool.map(lambda each: each.get(url, timeout=120, headers=headers).headers.get(
                "X-Bench-Worker"), sessions))
    timings = []
    response = None
    for _ in range(runs):
        started = time.perf_counter()
        response = session.get(url, timeout=120, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return timings, response


def measure_pages(base, pages, runs=30):
    """For each (label, email, path): p50 and p95 in ms and statements as served (from memory while nothing has
    changed) and worked out (as after any change), bytes, and the baseline's p50/p95 at that size."""
    anonymous = requests.Session()
    _, empty = _timed(anonymous, f"{base}/_bench/baseline?bytes=0", 1)
    overhead = len(empty.content)
    sessions = {}
    results = []
    for label, email, path in pages:
        session = sessions.get(email) or sessions.setdefault(email, signed_in(base, email))
        timings, response = _timed(session, f"{base}{path}", runs)
        worked_out, fresh = _timed(session, f"{base}{path}", runs, headers=WORKED_OUT)
        size = len(response.content)
        baseline, _ = _timed(anonymous, f"{base}/_bench/baseline?bytes={max(0, size - overhead)}", runs)
        results.append({
            "page": label, "path": path, "bytes": size,
            "statements": int(response.headers.get("X-Bench-Statements", -1)),
            "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "worked_out_statements": int(fresh.headers.get("X-Bench-Statements", -1)),
            "worked_out_p50_ms": round(statistics.median(worked_out), 1),
            "worked_out_p95_ms": round(percentile(worked_out, 0.95), 1),
            "baseline_p50_ms": round(statistics.median(baseline), 1),
            "baseline_p95_ms": round(percentile(baseline, 0.95), 1),
        })
    return results


def session_cookie(base, email):
    """The Cookie header of a signed-in session, for a load generator outside Python."""
    session = signed_in(base, email)
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())
