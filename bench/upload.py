"""Benchmark: one 500 MB evidence upload through a real HTTP server (gunicorn, 2 sync workers).

    .venv/bin/python bench/upload.py [--size-mb 500] [--worker-timeout SECONDS]

Builds a throwaway portal in a temporary folder (SQLite database, evidence storage, one LA, one school, its
headteacher, a plan with a success criterion and a review meeting still to come), in a child process, then starts
gunicorn on 127.0.0.1 (a free port, 2 sync workers) with the configuration in environment variables and a
small WSGI module in the temporary folder (for the two settings no environment variable reaches: the mail
folder, and the request size limit when --size-mb needs more than the portal's own). The per-file evidence limit is
raised for this run only with PORTAL_EVIDENCE_MAX_FILE_MB.

The client writes a PDF of SIZE MB (MiB: 1024 * 1024 bytes, as the portal counts) of random bytes, signs in over
HTTP (CSRF token from the form), warms both workers up with small uploads, then posts the big file as multipart
streamed from disk in 1 MiB pieces (neither side ever needs the file in memory). Meanwhile a thread reads every
worker's VmRSS from /proc every 20 ms; the worker's own peak (VmHWM, reset just before the upload through
/proc/<pid>/clear_refs) is read as well. Then the same file is copied with shutil.copyfile into the same storage
folder (and flushed to disk, as the portal's storage does). The upload must answer with the redirect to the new
evidence, and the stored file must have the file's size and SHA-256. For a fairer view of the work an upload has to
do, the same file is also copied with a hashing copy (read, SHA-256, write, flushed: what the portal does with the
bytes, without HTTP); the budget still compares against the plain copy. Last, the same file is posted as a plain
body to a route that only reads it (1 MiB at a time) and keeps nothing: gunicorn's own ceiling for receiving those
bytes here, with no parsing, hashing or writing. Which worker served which request comes from gunicorn's access log
(its pid on every line): a worker's read count (/proc/<pid>/io) does not include the bytes it receives from a
socket.

Prints one JSON line. Budgets (from the issue): the serving worker grows by less than 64 MB during the upload, and
the upload's throughput is at least half a plain copy's. Exits 1 when a budget is missed. ``run(size_mb)`` returns
the same figures as a dict, for a script running every benchmark.
"""

import argparse
import hashlib
import html
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

from portal.backup import sha256_of

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
PASSWORD = "benchmark-password"
HEAD_EMAIL = "head@bench.example.org"
FILE_NAME = "bench-upload.pdf"
MEMORY_BUDGET_MB = 64
THROUGHPUT_BUDGET = 0.5  # upload MB/s over plain copy MB/s
POLL_SECONDS = 0.02
WARM_UP_BYTES = 2 * MIB  # above Werkzeug's 500 KB in-memory spool, so warm-ups take the big file's path
DEFAULT_MAX_CONTENT_LENGTH = 520 * MIB  # portal.config.Defaults (not imported: run() keeps the caller's process lean)

WSGI_MODULE = '''"""Written by bench/upload.py: the portal with the two settings no environment variable reaches, and
/_bench/discard, which reads a request's body 1 MiB at a time and keeps none of it (the server's own ceiling)."""
import os

from portal import create_app

portal = create_app({"MAIL_FOLDER": os.environ["BENCH_MAIL_FOLDER"],
                     "MAX_CONTENT_LENGTH": int(os.environ["BENCH_MAX_CONTENT_LENGTH"])})


def application(environ, start_response):
    if environ.get("PATH_INFO") != "/_bench/discard":
        return portal(environ, start_response)
    received = 0
    while piece := environ["wsgi.input"].read(1024 * 1024):
        received += len(piece)
    body = str(received).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


# --- the throwaway portal --------------------------------------------------------------------------------------------

def _environment(folder: Path, size_mb: int) -> dict:
    """The portal's configuration for this run, in the environment variables portal/config.py reads."""
    env = dict(os.environ)
    for variable in ("FLASK_APP", "FLASK_RUN_FROM_CLI", "PORTAL_BEHIND_PROXY", "PORTAL_SECURE_COOKIES", "PORTAL_ENV",
                     "PORTAL_EVIDENCE_STORAGE", "S3_BUCKET", "SMTP_HOST"):
        env.pop(variable, None)
    env.update({
        "SECRET_KEY": "bench-upload",
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "PORTAL_UPLOAD_FOLDER": str(folder / "uploads"),
        "PORTAL_IMPORT_FOLDER": str(folder / "imports"),
        "PORTAL_EVIDENCE_STORAGE": "local",
        "PORTAL_SCHEDULER_IN_WEB": "false",
        "PORTAL_EVIDENCE_MAX_FILE_MB": str(size_mb + 1),
        "BENCH_MAIL_FOLDER": str(folder / "mail"),
        # The portal's own request limit when it is enough (it is for 500 MB); more only for a bigger --size-mb.
        "BENCH_MAX_CONTENT_LENGTH": str(max(DEFAULT_MAX_CONTENT_LENGTH, (size_mb + 16) * MIB)),
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    return env


def build_into(folder):
    """In this process (a child): migrate the database and add the least an upload needs; prints the ids as JSON."""
    from datetime import date, time as clock_time

    from flask_migrate import upgrade

    from portal import clock, create_app
    from portal.auth.models import User
    from portal.auth.passwords import hash_password
    from portal.extensions import db
    from portal.meetings import rules as meeting_rules
    from portal.plans import rules as plan_rules
    from portal.plans.models import PlanKind
    from portal.schools.models import LocalAuthority, Role, School, SchoolRole
    from portal.terms.rules import save_term_dates
    from portal.working_days import shift_working_days

    app = create_app({"MAIL_FOLDER": str(Path(folder) / "mail")})
    with app.app_context():
        upgrade()
        la = LocalAuthority(code="999", name="Bench Borough")
        school = School(urn=300001, name="Bench Primary School", phase="Primary", local_authority=la,
                        establishment_type="Community school")
        head = User(email=HEAD_EMAIL, name="Bench Head", password_hash=hash_password(PASSWORD))
        db.session.add_all([la, school, head, SchoolRole(user=head, school=school, role=Role.HEADTEACHER)])
        today = clock.today()
        start = today.year if today.month >= 8 else today.year - 1
        year = save_term_dates(None, start, [
            (date(start, 9, 1), date(start, 10, 23)), (date(start, 11, 2), date(start, 12, 18)),
            (date(start + 1, 1, 5), date(start + 1, 2, 12)), (date(start + 1, 2, 22), date(start + 1, 3, 26)),
            (date(start + 1, 4, 12), date(start + 1, 5, 28)), (date(start + 1, 6, 7), date(start + 1, 7, 21))])
        plan = plan_rules.create_plan(school, None, kind=PlanKind.RAP, title="Raising Achievement Plan",
                                      academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Improve reading", description="")
        criterion = plan_rules.save_criterion(priority, None, description="85% reach the expected standard",
                                              milestones={})
        meeting = meeting_rules.schedule_meeting(school, None, kind="rap_review", meets_on=shift_working_days(today, 8),
                                                 starts_at=clock_time(16), ends_at=clock_time(17), plan=plan,
                                                 holidays_confirmed=True)
        db.session.commit()
        print(json.dumps({"school_id": school.id, "meeting_id": meeting.id, "criterion_id": criterion.id}))


def _build(folder: Path, env: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, "--build-into", str(folder)], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"building the throwaway portal failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(folder: Path, env: dict, port: int, worker_timeout: int | None) -> subprocess.Popen:
    (folder / "bench_wsgi.py").write_text(WSGI_MODULE)
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--pythonpath", str(folder),
               "--log-level", "warning", "--error-logfile", str(folder / "gunicorn.log"),
               "--access-logfile", str(folder / "access.log"), "--access-logformat", "%(p)s %(m)s %(s)s"]
    if worker_timeout:
        command += ["--timeout", str(worker_timeout)]
    return subprocess.Popen(command + ["bench_wsgi:application"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_until_serving(server: subprocess.Popen, port: int, folder: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {server.returncode}):\n{_log_tail(folder)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5) as response:
                if response.status == 200 and len(_workers(server.pid)) == 2:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {seconds} s:\n{_log_tail(folder)}")


def _log_tail(folder: Path) -> str:
    log = folder / "gunicorn.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def _stop(server: subprocess.Popen, workers: list[int]) -> None:
    """Stop the gunicorn this benchmark started: the master by its id (it stops its workers), then any worker left."""
    master_command = b"\0".join(os.fsencode(str(part)) for part in server.args) + b"\0"
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for pid in workers:  # only while the id is still one of this run's workers (same command line as the master)
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == master_command:
                os.kill(pid, 9)
        except (OSError, ProcessLookupError):
            pass


# --- /proc -----------------------------------------------------------------------------------------------------------

def _workers(master: int) -> list[int]:
    """The gunicorn master's child processes (its workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == master:
            found.append(int(entry))
    return sorted(found)


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _posts_served(folder: Path) -> list[int]:
    """The worker pid of every POST answered so far, in order, from gunicorn's access log ("<pid> POST 302")."""
    log = folder / "access.log"
    served = []
    for line in (log.read_text(errors="replace").splitlines() if log.exists() else ()):
        pid, _, rest = line.partition(" ")
        if rest.startswith("POST ") and pid.strip("<>").isdigit():
            served.append(int(pid.strip("<>")))
    return served


def _wait_for_posts(folder: Path, count: int, seconds: float = 10) -> list[int]:
    """The access log once it has ``count`` POST lines (a worker logs just after it answers)."""
    deadline = time.monotonic() + seconds
    while len(served := _posts_served(folder)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return served


def _reset_peak(pid: int) -> bool:
    """Start the process's VmHWM afresh at its current RSS (Linux: write 5 to clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class RssPoller(threading.Thread):
    """Reads every worker's VmRSS every ``POLL_SECONDS`` and keeps each one's maximum (kB)."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master = master
        self.peak_kb: dict[int, int] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self):
        workers = _workers(self.master)
        turn = 0
        while not self._stop_event.is_set():
            turn += 1
            if turn % 25 == 0:  # a worker replaced mid-upload (e.g. killed on timeout) is still watched
                workers = _workers(self.master)
            for pid in workers:
                rss = _status_kb(pid, "VmRSS")
                if rss is not None and rss > self.peak_kb.get(pid, 0):
                    self.peak_kb[pid] = rss
            self.samples += 1
            self._stop_event.wait(POLL_SECONDS)

    def stop(self):
        self._stop_event.set()
        self.join()


# --- the client ------------------------------------------------------------------------------------------------------

def _write_pdf(path: Path, size: int) -> str:
    """A PDF of exactly ``size`` bytes: a real header (the portal checks the content), one stream object of random
    bytes, and a trailer. Written 1 MiB at a time; returns its SHA-256."""
    suffix = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    length = size
    while True:  # the header names the stream's length, which depends on the header's own length
        prefix = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length " + str(length).encode() + b" >>\nstream\n"
        if length == size - len(prefix) - len(suffix):
            break
        length = size - len(prefix) - len(suffix)
    if length <= 0:
        raise ValueError("size too small for a PDF")
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        out.write(prefix)
        digest.update(prefix)
        remaining = length
        while remaining:
            chunk = os.urandom(min(MIB, remaining))
            out.write(chunk)
            digest.update(chunk)
            remaining -= len(chunk)
        out.write(suffix)
        digest.update(suffix)
    assert path.stat().st_size == size
    return digest.hexdigest()


class Client:
    """A person at a browser: a cookie jar, pages fetched with urllib, uploads streamed with http.client."""

    def __init__(self, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8")

    def post_form(self, path: str, fields: dict) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8")

    def sign_in(self, email: str, password: str) -> None:
        _, page = self.get("/sign-in")
        landed, _ = self.post_form("/sign-in", {"csrf_token": csrf_token(page), "email": email, "password": password})
        if urllib.parse.urlsplit(landed).path == "/sign-in":
            raise RuntimeError(f"signing in as {email} failed")

    def upload(self, path: str, fields: list[tuple[str, str]], file_field: str, file_path: Path, file_name: str,
               content_type: str = "application/pdf") -> tuple[int, str, float]:
        """POST ``fields`` and one file as multipart/form-data, the file streamed from disk 1 MiB at a time.

        Returns (status, Location header, seconds from the first byte sent to the answer's headers)."""
        boundary = "----bench-upload-" + os.urandom(12).hex()
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields)
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + file_path.stat().st_size + len(tail)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            started = time.perf_counter()
            connection.putrequest("POST", path)
            connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
            connection.putheader("Content-Length", str(length))
            connection.putheader("Cookie", "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar))
            connection.endheaders()
            connection.send(head)
            with open(file_path, "rb") as source:
                while chunk := source.read(MIB):
                    connection.send(chunk)
            connection.send(tail)
            response = connection.getresponse()
            seconds = time.perf_counter() - started
            response.read()
            return response.status, response.getheader("Location", ""), seconds
        finally:
            connection.close()

    def discard(self, file_path: Path) -> float:
        """POST the file as a plain body to /_bench/discard, 1 MiB at a time; seconds to the answer, which must be
        the file's size (every byte read by the server)."""
        size = file_path.stat().st_size
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            started = time.perf_counter()
            connection.putrequest("POST", "/_bench/discard")
            connection.putheader("Content-Type", "application/octet-stream")
            connection.putheader("Content-Length", str(size))
            connection.endheaders()
            with open(file_path, "rb") as source:
                while chunk := source.read(MIB):
                    connection.send(chunk)
            response = connection.getresponse()
            seconds = time.perf_counter() - started
            answer = response.read()
        finally:
            connection.close()
        if response.status != 200 or answer != str(size).encode():
            raise RuntimeError(f"/_bench/discard answered {response.status} {answer[:80]!r}, not {size}")
        return seconds


def csrf_token(page: str) -> str:
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(r'\bname="csrf_token"', tag):
            return html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1))
    raise RuntimeError("no csrf_token on the page")


def _upload_fields(token: str, ids: dict, title: str) -> list[tuple[str, str]]:
    return [("csrf_token", token), ("meeting_id", str(ids["meeting_id"])), ("title", title),
            ("criterion_ids", str(ids["criterion_id"])), ("narrative", "Benchmark upload.")]


def _check_landed(status: int, location: str, ids: dict, what: str) -> None:
    expected = f"/schools/{ids['school_id']}/evidence/"
    if status != 302 or expected not in location:
        raise RuntimeError(f"{what}: the portal answered {status} {location!r}, not a redirect to the new evidence")


def _warm_up(client: Client, master: int, folder: Path, ids: dict, token: str, path: str) -> int:
    """Small uploads until each worker has served two (first requests compile templates, fill caches...), so the big
    upload's growth is the upload's own, whichever worker takes it. Sent two at a time: one after another, the same
    worker tends to take them all. Returns how many were sent."""
    small = folder / "warm-up.pdf"
    _write_pdf(small, WARM_UP_BYTES)
    served = {pid: 0 for pid in _workers(master)}
    answers = []

    def one(number):
        answers.append(client.upload(path, _upload_fields(token, ids, f"Warm-up {number}"), "files", small,
                                     "warm-up.pdf"))

    sent = 0
    already = len(_posts_served(folder))  # signing in
    while sent < 40 and min(served.values()) < 2:
        pair = [threading.Thread(target=one, args=(sent + n + 1,)) for n in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join()
        sent += 2
        posts = _wait_for_posts(folder, already + sent)[already:]
        served = {pid: posts.count(pid) for pid in served}
    for status, location, _ in answers:
        _check_landed(status, location, ids, "a warm-up upload")
    if len(answers) != sent:
        raise RuntimeError("a warm-up upload failed")
    small.unlink()
    return sent


def _stored_file(folder: Path) -> tuple[Path, int, str, bool]:
    """The big upload's stored file: (path, size and SHA-256 the portal recorded, whether it is on an evidence
    version)."""
    with closing(sqlite3.connect(folder / "portal.sqlite3")) as database:
        row = database.execute("SELECT storage_key, size, sha256, version_id FROM evidence_file WHERE display_name = ? "
                               "ORDER BY id DESC LIMIT 1", (FILE_NAME,)).fetchone()
    if row is None:
        raise RuntimeError("no evidence_file row for the upload")
    key, size, sha256, version_id = row
    return folder / "uploads" / key, size, sha256, version_id is not None


def _plain_copy(source: Path, folder: Path) -> float:
    """Seconds for shutil.copyfile into the storage folder, flushed to disk as LocalStorage.save flushes."""
    target = folder / "uploads" / "plain-copy.bin"
    os.sync()
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb+") as copied:
        os.fsync(copied.fileno())
    seconds = time.perf_counter() - started
    if target.stat().st_size != source.stat().st_size:
        raise RuntimeError("the plain copy has the wrong size")
    target.unlink()
    return seconds


def _hashing_copy(source: Path, folder: Path, expected_sha256: str) -> float:
    """Seconds to copy as the portal must: read, SHA-256 and write 1 MiB at a time, flushed to disk. Beside the
    plain copy (the kernel's, no hashing) for a fairer comparison; the budget still uses the plain copy."""
    target = folder / "uploads" / "hashing-copy.bin"
    digest = hashlib.sha256()
    os.sync()
    started = time.perf_counter()
    with open(source, "rb") as original, open(target, "wb") as copied:
        while chunk := original.read(MIB):
            digest.update(chunk)
            copied.write(chunk)
        copied.flush()
        os.fsync(copied.fileno())
    seconds = time.perf_counter() - started
    if digest.hexdigest() != expected_sha256 or target.stat().st_size != source.stat().st_size:
        raise RuntimeError("the hashing copy does not match the file")
    target.unlink()
    return seconds


# --- the benchmark ---------------------------------------------------------------------------------------------------

def run(size_mb: int = 500, worker_timeout: int | None = None) -> dict:
    """One upload of ``size_mb`` MiB through gunicorn and a plain copy of the same file; the figures as a dict."""
    size = size_mb * MIB
    folder = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    server, workers = None, []
    try:
        env = _environment(folder, size_mb)
        ids = _build(folder, env)
        port = _free_port()
        server = _start_gunicorn(folder, env, port, worker_timeout)
        _wait_until_serving(server, port, folder)
        workers = _workers(server.pid)

        big = folder / FILE_NAME
        expected_sha256 = _write_pdf(big, size)
        client = Client(port)
        client.sign_in(HEAD_EMAIL, PASSWORD)
        form_path = f"/schools/{ids['school_id']}/evidence/new"
        _, page = client.get(form_path)
        token = csrf_token(page)
        warm_ups = _warm_up(client, server.pid, folder, ids, token, form_path)

        os.sync()  # neither the upload nor the copy pays for writing back the file just generated
        workers = _workers(server.pid)
        rss_before = {pid: _status_kb(pid, "VmRSS") or 0 for pid in workers}
        posts_before = len(_posts_served(folder))
        peaks_reset = all(_reset_peak(pid) for pid in workers) and _reset_peak(os.getpid())
        client_rss_before = _status_kb(os.getpid(), "VmRSS") or 0
        poller = RssPoller(server.pid)
        poller.start()
        try:
            status, location, upload_seconds = client.upload(
                form_path, _upload_fields(token, ids, "Whole-school reading data"), "files", big, FILE_NAME)
        finally:
            poller.stop()
        hwm = {pid: _status_kb(pid, "VmHWM") for pid in workers}
        client_hwm = _status_kb(os.getpid(), "VmHWM") or 0
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped during the upload:\n{_log_tail(folder)}")
        _check_landed(status, location, ids, "the upload")
        posts = _wait_for_posts(folder, posts_before + 1)
        serving = posts[-1] if len(posts) > posts_before and posts[-1] in rss_before else max(
            workers, key=lambda pid: poller.peak_kb.get(pid, 0) - rss_before[pid])

        stored_path, recorded_size, recorded_sha256, attached = _stored_file(folder)
        stored_ok = (stored_path.stat().st_size == size and recorded_size == size and recorded_sha256 == expected_sha256
                     and sha256_of(stored_path) == expected_sha256 and attached)
        if not stored_ok:
            raise RuntimeError("the stored file does not have the uploaded file's size and SHA-256")
        stored_path.unlink()  # room for the copy on small disks; it was checked

        copy_seconds = _plain_copy(big, folder)
        hashing_copy_seconds = _hashing_copy(big, folder, expected_sha256)
        os.sync()
        discard_seconds = client.discard(big)

        growth_kb = {pid: poller.peak_kb.get(pid, rss_before[pid]) - rss_before[pid] for pid in workers}
        upload_mb_s = size_mb / upload_seconds
        copy_mb_s = size_mb / copy_seconds
        ratio = upload_mb_s / copy_mb_s
        hashing_copy_mb_s = size_mb / hashing_copy_seconds
        worker_growth_mb = max(growth_kb.values()) / 1024
        result = {
            "size_mb": size_mb,
            "upload_seconds": round(upload_seconds, 2),
            "upload_mb_s": round(upload_mb_s, 1),
            "copy_seconds": round(copy_seconds, 2),
            "copy_mb_s": round(copy_mb_s, 1),
            "ratio": round(ratio, 3),
            "hashing_copy_mb_s": round(hashing_copy_mb_s, 1),
            "ratio_to_hashing_copy": round(upload_mb_s / hashing_copy_mb_s, 3),
            "server_read_mb_s": round(size_mb / discard_seconds, 1),
            "server_read_ratio": round(size_mb / discard_seconds / copy_mb_s, 3),
            "worker_rss_growth_mb": round(worker_growth_mb, 1),
            "worker_rss_before_mb": round(rss_before[serving] / 1024, 1),
            "worker_rss_peak_mb": round(poller.peak_kb.get(serving, rss_before[serving]) / 1024, 1),
            "worker_hwm_growth_mb": (round((hwm[serving] - rss_before[serving]) / 1024, 1)
                                     if peaks_reset and hwm.get(serving) else None),
            "client_rss_growth_mb": round((client_hwm - client_rss_before) / 1024, 1) if peaks_reset else None,
            "rss_samples": poller.samples,
            "warm_up_uploads": warm_ups,
            "stored_size_and_sha256_ok": stored_ok,
            "memory_budget_mb": MEMORY_BUDGET_MB,
            "memory_pass": worker_growth_mb < MEMORY_BUDGET_MB,
            "throughput_budget_ratio": THROUGHPUT_BUDGET,
            "throughput_pass": ratio >= THROUGHPUT_BUDGET,
        }
        result["pass"] = result["memory_pass"] and result["throughput_pass"]
        return result
    finally:
        if server is not None:
            _stop(server, workers)
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=500, help="the file's size in MiB (default 500)")
    parser.add_argument("--worker-timeout", type=int, metavar="SECONDS",
                        help="gunicorn's --timeout (default: gunicorn's own, 30 s, as in a plain deployment)")
    parser.add_argument("--build-into", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_into:
        return build_into(args.build_into)
    result = run(args.size_mb, args.worker_timeout)
    print(json.dumps(result))
    if not result["pass"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
