"""A real gunicorn serving the portal, for the tests that need a real server process (to refuse to start, to be
killed mid-upload): started with the portal's own gunicorn settings, in a process group of its own."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD, free_port

ROOT = Path(__file__).resolve().parent.parent
# Under libfaketime (CI's runs on other days) sleeping and gunicorn's own timers fail: these tests are about
# processes, not dates, and run in the suite's other runs.
real_clock_only = pytest.mark.skipif(bool(os.environ.get("FAKETIME")), reason="a real server needs the real clock")


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def signed_in(base: str, email: str, **request_options) -> requests.Session:
    """A session signed in through the real form, sending the Referer a browser sends (checked over HTTPS)."""
    browser = requests.Session()
    browser.trust_env = False  # else a CA bundle named in the environment overrides ``verify``; loopback needs no proxy
    browser.verify = request_options.get("verify", True)
    token = csrf_token(browser.get(f"{base}/sign-in").text)
    response = browser.post(f"{base}/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD},
                            headers={"Referer": f"{base}/sign-in"}, allow_redirects=False)
    assert response.status_code == 302, f"sign-in failed: {response.status_code}"
    return browser


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


class ThrowawayPostgreSQL:
    """A PostgreSQL cluster of the test's own (initdb as the postgres user, on a free port), to stop and start
    without touching the server other tests use. Needs root and Debian's PostgreSQL server programs."""

    def __init__(self):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        self.bin = binaries[-1].parent
        # Not under pytest's temporary folder: the postgres user cannot reach into root's.
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="portal-postgresql-")), free_port()
        self._as_postgres(f"chown postgres {self.folder}", root=True)
        self._as_postgres(f"{self.bin}/initdb -D {self.folder}/data -A trust -U postgres")
        self.start()

    @staticmethod
    def available() -> bool:
        return os.geteuid() == 0 and bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))

    def _as_postgres(self, command, root=False):
        subprocess.run(command if root else ["su", "postgres", "-c", command], shell=root, check=True,
                       capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        self._as_postgres(f"{self.bin}/pg_ctl -D {self.folder}/data -l {self.folder}/log -w -o '-p {self.port} -k {self.folder} "
                          f"-c listen_addresses=127.0.0.1' start")

    def stop(self):
        self._as_postgres(f"{self.bin}/pg_ctl -D {self.folder}/data -m fast -w stop")

    def remove(self):
        """Stop the server if it runs, and remove its files."""
        subprocess.run(["su", "postgres", "-c", f"{self.bin}/pg_ctl -D {self.folder}/data -m immediate stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)
