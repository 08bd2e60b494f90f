"""A real HTTP server for the benchmark: gunicorn with two sync workers on loopback, serving ``bench.wsgi`` with the
portal's own gunicorn settings (portal/gunicorn_config.py)."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-password"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(database_url, folder, as_of=None, workers=2):
    """Yield (base URL, master pid) of gunicorn serving the portal on ``database_url``, every request as of
    ``as_of`` (a naive London datetime) when given; stop it afterwards."""
    port = free_port()
    environment = dict(os.environ, BENCH_DATABASE_URL=database_url, BENCH_FOLDER=str(folder))
    if as_of is not None:
        environment["BENCH_AS_OF"] = as_of.replace(tzinfo=None).isoformat()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "python:portal.gunicorn_config", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--timeout", "300",
         "--log-level", "warning", "bench.wsgi:app"],
        cwd=ROOT, env=environment, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, server)
        yield base, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _wait_for(base, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {server.returncode})")
        try:
            requests.get(f"{base}/_bench/baseline?bytes=0", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


def signed_in(base, email):
    """A requests session signed in as ``email`` (the sign-in form's CSRF token read from the page)."""
    import re

    session = requests.Session()
    page = session.get(f"{base}/sign-in", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = session.post(f"{base}/sign-in", data={"email": email, "password": PASSWORD,
                                                     "csrf_token": token.group(1) if token else ""}, timeout=30)
    if "Sign out" not in response.text:
        raise RuntimeError(f"could not sign in as {email}")
    return session


def worker_pids(master_pid):
    """The gunicorn workers of ``master_pid``."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []
