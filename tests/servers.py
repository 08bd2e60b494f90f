"""A real gunicorn serving the portal, for the tests that need a real server process (to refuse to start, to be
killed mid-upload): started with the portal's own gunicorn settings, in a process group of its own."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(environment: dict, workers: int = 1):
    """(process, base URL) of gunicorn on a free loopback port; ``environment`` is added to this process's."""
    port = free_port()
    env = {**os.environ, "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": str(workers), **environment}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--config", "python:portal.gunicorn_config", "portal:create_app()"],
                               env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def wait_until_serving(process, base: str, seconds: float = 60, **request_options):
    """The first answer from ``/healthz`` once the server listens."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(f"{base}/healthz", timeout=5, **request_options)
        except requests.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def stop(process) -> str:
    """Stop gunicorn gracefully; its standard error."""
    process.terminate()
    return process.communicate(timeout=30)[1]


def kill(process) -> None:
    """Kill the master and every worker at once, as a power cut or ``kill -9`` would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
