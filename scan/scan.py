"""Scan the portal with wapiti on loopback, signed in as each demo role and once signed out (run by scan/run).

For each target, a throwaway portal instance: a copy of a database made once here (migrations, then the demo
data) and of its uploads, served by gunicorn from the project's .venv on a free 127.0.0.1 port. Every target gets
its own copy, so what one scan writes (a changed password, a removed role, thirty failed sign-ins from 127.0.0.1)
never reaches the next. The account signs in with requests as a person would (the sign-in page's CSRF token, then
email and password); its session cookie goes to wapiti in the JSON cookie file that `wapiti-getcookie` writes.
wapiti crawls and attacks with a bounded time, and is kept away from signing out, deactivating or anonymising
anyone and from the signed-in person's own account page (a new password there would end the session).

Whether each scan stayed signed in is checked from the portal's own log (one JSON line per request with the
signed-in person's id) and from the account's row (session generation, active) before and after.
"""

import argparse
import concurrent.futures
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "scan" / "results"
PORTAL_BIN = ROOT / ".venv" / "bin"
SCAN_BIN = ROOT / ".venv-scan" / "bin"

# Passive modules look at every crawled response; active ones send attacks. Left out of wapiti's default set:
# ssl (the target is plain HTTP, and the module asks crt.sh), ssrf (its payloads point at an outside server that
# is then asked for hits); wapp, nikto, cms, takeover, log4shell and xxe need outside servers or databases too.
# Added: csrf (checks every POST form's anti-CSRF token is there and enforced).
PASSIVE_MODULES = ["cookieflags", "csp", "http_headers", "https_redirect", "inconsistent_redirection",
                   "information_disclosure", "stacktrace_disclosure", "unsecure_password"]
ACTIVE_MODULES = ["csrf", "exec", "file", "permanentxss", "redirect", "sql", "upload", "xss"]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The demo accounts, from the README -------------------------------------------------------------------------

def demo_accounts(readme: Path):
    """[(email, name, role)] from the README's "Demo accounts" table, and the demo password it gives."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    password = re.search(r"password is `([^`]+)`", section).group(1)
    accounts = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "@" in cells[0]:
            accounts.append((cells[0], cells[1], cells[2]))
    if not accounts:
        raise SystemExit("No demo accounts found in README.md's 'Demo accounts' table")
    return accounts, password


def role_of(description: str) -> str:
    """"adviser for six schools, ..." -> "adviser"; "chair of governors, Brookside ..." -> "chair of governors"."""
    return re.split(r"[:,]| for | of (?=[A-Z])", description, maxsplit=1)[0].strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def targets(all_accounts: bool, only: set | None):
    accounts, password = demo_accounts(ROOT / "README.md")
    chosen, seen_roles = [], set()
    for email, name, description in accounts:
        role = role_of(description)
        if all_accounts:
            name_slug = slug(email.split("@")[0])
        elif role in seen_roles:
            continue
        else:
            name_slug = slug(role)
        seen_roles.add(role)
        chosen.append({"slug": name_slug, "email": email, "name": name, "role": role, "description": description})
    chosen.append({"slug": "unauthenticated", "email": None, "name": None, "role": "not signed in",
                   "description": "no session cookie"})
    if only:
        unknown = only - {target["slug"] for target in chosen}
        if unknown:
            raise SystemExit(f"Unknown target(s) {', '.join(sorted(unknown))}; "
                             f"choose from {', '.join(t['slug'] for t in chosen)}")
        chosen = [target for target in chosen if target["slug"] in only]
    return chosen, password


# --- A throwaway portal ----------------------------------------------------------------------------------------

def portal_env(workdir: Path, secret_key: str):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "PORTAL_"))}
    env.update({
        "DATABASE_URL": f"sqlite:///{workdir / 'scan.sqlite3'}",
        "PORTAL_UPLOAD_FOLDER": str(workdir / "uploads"),
        "PORTAL_SCHEDULER_IN_WEB": "false",
        "SECRET_KEY": secret_key,  # so nothing is written to the project's instance/ folder
        "SMTP_HOST": "",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def app_spec(workdir: Path) -> str:
    """gunicorn's app: emails (written as .eml files without SMTP) and imports stay in the throwaway folder too."""
    settings = {"MAIL_FOLDER": str(workdir / "mail"), "IMPORT_FOLDER": str(workdir / "imports"), "SMTP_HOST": ""}
    return f"portal:create_app({settings!r})"


def make_pristine(workdir: Path, secret_key: str):
    workdir.mkdir(parents=True)
    env = portal_env(workdir, secret_key)
    for command in (["db", "upgrade"], ["demo-data"]):
        completed = subprocess.run([str(PORTAL_BIN / "flask"), "--app", "portal", *command], cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if completed.returncode:
            sys.stderr.write(completed.stdout + completed.stderr)
            raise SystemExit(f"flask {' '.join(command)} failed")
    (workdir / "uploads").mkdir(exist_ok=True)


def copy_instance(pristine: Path, workdir: Path):
    workdir.mkdir(parents=True)
    for name in ("scan.sqlite3", "scan.sqlite3-wal", "scan.sqlite3-shm"):
        if (pristine / name).exists():
            shutil.copy2(pristine / name, workdir / name)
    shutil.copytree(pristine / "uploads", workdir / "uploads")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_portal(workdir: Path, secret_key: str, port: int, workers: int):
    log_file = open(workdir / "portal.log", "wb")
    process = subprocess.Popen(
        [str(PORTAL_BIN / "gunicorn"), "-c", "python:portal.gunicorn_config", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), app_spec(workdir)],
        cwd=ROOT, env=portal_env(workdir, secret_key), stdin=subprocess.DEVNULL, stdout=log_file,
        stderr=subprocess.STDOUT, start_new_session=True)
    log_file.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal stopped at start:\n{(workdir / 'portal.log').read_text()[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        time.sleep(0.3)
    stop_portal(process)
    raise RuntimeError("the portal did not answer /healthz within 60 seconds")


def stop_portal(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own process group (start_new_session)
        process.wait()


# --- Signing in ------------------------------------------------------------------------------------------------

class _CsrfField(HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrf_token" and self.token is None:
            self.token = attributes.get("value")


def sign_in(base: str, email: str, password: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/sign-in", timeout=30)
    page.raise_for_status()
    parser = _CsrfField()
    parser.feed(page.text)
    if not parser.token:
        raise RuntimeError("no csrf_token on the sign-in page")
    answer = browser.post(f"{base}/sign-in", data={"csrf_token": parser.token, "email": email, "password": password},
                          allow_redirects=False, timeout=30)
    if answer.status_code != 302 or "/sign-in" in answer.headers.get("Location", ""):
        raise RuntimeError(f"sign-in as {email} failed: HTTP {answer.status_code} "
                           f"(429 means the portal's sign-in throttle)")
    home = browser.get(f"{base}/", allow_redirects=False, timeout=30)
    if home.status_code != 200:
        raise RuntimeError(f"signed in as {email}, but the home page answered {home.status_code}")
    return browser


def write_cookie_file(browser: requests.Session, path: Path, server: str):
    """The cookie file as `wapiti-getcookie` writes it (wapitiCore's JsonCookie), read back as wapiti will."""
    from wapitiCore.net.jsoncookie import JsonCookie

    path.write_text("{}")
    cookies = JsonCookie()
    cookies.load(str(path))
    with contextlib.redirect_stdout(io.StringIO()):  # addcookies prints each cookie: keep the session out of logs
        cookies.addcookies(browser.cookies)
    cookies.dump()
    check = JsonCookie()
    check.load(str(path))
    names = [cookie.name for cookie in check.cookiejar(server)]
    if "session" not in names:
        raise RuntimeError(f"the cookie file holds no session cookie for {server}: {path.read_text()}")


def account_row(workdir: Path, email: str):
    with contextlib.closing(sqlite3.connect(workdir / "scan.sqlite3", timeout=30)) as connection:
        row = connection.execute('SELECT id, session_generation, active FROM "user" WHERE email = ?',
                                 (email,)).fetchone()
    return {"id": row[0], "session_generation": row[1], "active": bool(row[2])} if row else None


# --- wapiti ----------------------------------------------------------------------------------------------------

def exclusions(base: str, user_id: int | None):
    """URLs (wapiti wildcards, matched against the whole URL) never requested: sign-out, deactivating or
    anonymising anyone, and the signed-in person's own account page (a new password there ends the session)."""
    patterns = [f"{base}/sign-out*", f"{base}/admin/users/*/deactivate*", f"{base}/admin/users/*/anonymise*"]
    if user_id is not None:
        patterns += [f"{base}/admin/users/{user_id}", f"{base}/admin/users/{user_id}?*",
                     f"{base}/admin/users/{user_id}/*"]
    return patterns


def run_wapiti(base: str, workdir: Path, output: Path, cookie_file: Path | None, user_id: int | None, budget):
    command = [
        str(SCAN_BIN / "wapiti"), "-u", f"{base}/", "--scope", "folder",
        "-m", ",".join(PASSIVE_MODULES + budget.active_modules),
        "--flush-session", "--store-session", str(workdir / "wapiti-session"),
        "--store-config", str(workdir / "wapiti-config"),
        "--max-scan-time", str(budget.max_scan_time), "--max-attack-time", str(budget.max_attack_time),
        "--max-links-per-page", str(budget.max_links_per_page), "--tasks", str(budget.tasks),
        "-t", str(budget.timeout), "-d", str(budget.depth), "-S", budget.scan_force, "--skip", "csrf_token",
        "--no-bugreport",
        "-f", "json", "-o", str(output), "-dr", "1", "-v", "1", "--log", str(workdir / "wapiti.log"),
    ]
    for pattern in exclusions(base, user_id):
        command += ["-x", pattern]
    if cookie_file is not None:
        command += ["-c", str(cookie_file)]
    # Crawl, then each active module, then reporting; past that something is stuck.
    hard_limit = budget.max_scan_time + budget.max_attack_time * (len(budget.active_modules) + 1) + 300
    env = dict(os.environ, HOME=str(workdir))  # anything wapiti keeps for itself stays in the throwaway folder
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    watchdog = threading.Timer(hard_limit, lambda: os.killpg(process.pid, signal.SIGKILL))
    watchdog.start()
    # When each phase began, from wapiti's own output: the crawl (with the passive modules), each attack module,
    # the report. A phase that took its whole budget was cut short by it.
    marks = [("crawl", 0.0)]
    with open(workdir / "wapiti.out", "wb") as out:
        for raw in process.stdout:
            out.write(raw)
            line = raw.decode(errors="replace")
            launched = re.search(r"Launching module (\w+)", line)
            if launched or "Generating report" in line:
                marks.append((launched.group(1) if launched else "report", time.monotonic() - started))
    returncode = process.wait()
    watchdog.cancel()
    elapsed = time.monotonic() - started
    if elapsed >= hard_limit:
        returncode = f"killed after {hard_limit} s"
    phases = {name: round(end - begin) for (name, begin), (_, end) in zip(marks, marks[1:])}
    return returncode, round(elapsed), phases


def redact_cookies(report: Path, scratch: Path):
    """The reports copy each request's Cookie header: the throwaway session's value is of no use to anyone (its
    secret key is gone with the instance), but a session cookie has no place in a file that may be committed."""
    text = report.read_text(encoding="utf-8")
    text = re.sub(r"\bsession=[A-Za-z0-9._-]{20,}", "session=<redacted>", text)
    # ... nor this machine's temporary folder (the LA admin's outbox page names the folder emails are written to).
    text = text.replace(str(scratch), "<scratch>")
    report.write_text(text, encoding="utf-8")


# --- One target ------------------------------------------------------------------------------------------------

def portal_requests(workdir: Path, user_id: int | None):
    """What the portal's own log says: requests, signed-in ones, server errors, and signed-out ones after the last
    signed-in request (a session that ended mid-scan shows as many of those)."""
    lines = []
    log_path = workdir / "portal.log"
    for raw in (log_path.read_text(errors="replace") if log_path.exists() else "").splitlines():
        if raw.startswith("{") and '"request_id"' in raw:
            with contextlib.suppress(ValueError):
                lines.append(json.loads(raw))
    signed_in = [i for i, line in enumerate(lines) if user_id is not None and line.get("user_id") == user_id]
    last_signed_in = signed_in[-1] if signed_in else -1
    errors = Counter(f"{line['method']} {line['route']} -> {line['status']}" for line in lines
                     if (line.get("status") or 0) >= 500)
    statuses = Counter(f"{(line.get('status') or 0) // 100}xx" for line in lines)
    return {
        "requests": len(lines),
        "signed_in": len(signed_in),
        "signed_out_after_last_signed_in": (len(lines) - last_signed_in - 1) if user_id is not None else None,
        "statuses": dict(sorted(statuses.items())),
        "server_errors": dict(errors.most_common()),
    }


def scan_target(target, password, pristine: Path, scratch: Path, budget, workers):
    try:
        return _scan_target(target, password, pristine, scratch, budget, workers)
    except Exception as problem:  # one target's failure is reported; the others go on
        log(f"{target['slug']}: FAILED: {problem}")
        workdir = scratch / target["slug"]
        return dict(target, output=None, report=None, seconds=0, wapiti_exit=f"not run: {problem}",
                    portal=portal_requests(workdir, None), wapiti_tail=str(problem))


def _scan_target(target, password, pristine: Path, scratch: Path, budget, workers):
    workdir = scratch / target["slug"]
    copy_instance(pristine, workdir)
    secret_key = secrets.token_hex(32)
    port = free_port()
    output = RESULTS / f"{target['slug']}.json"
    record = dict(target, output=output.name)
    log(f"{target['slug']}: portal on 127.0.0.1:{port}")
    process, base = start_portal(workdir, secret_key, port, workers)
    try:
        cookie_file, user_id = None, None
        if target["email"]:
            browser = sign_in(base, target["email"], password)
            cookie_file = workdir / "cookies.json"
            write_cookie_file(browser, cookie_file, f"127.0.0.1:{port}")
            record["account_before"] = account_row(workdir, target["email"])
            user_id = record["account_before"]["id"]
            log(f"{target['slug']}: signed in as {target['email']} (user {user_id}); wapiti running")
        else:
            log(f"{target['slug']}: wapiti running, not signed in")
        record["wapiti_exit"], record["seconds"], record["phases"] = run_wapiti(
            base, workdir, output, cookie_file, user_id, budget)
        if target["email"]:
            record["account_after"] = account_row(workdir, target["email"])
    finally:
        stop_portal(process)
    record["portal"] = portal_requests(workdir, user_id)
    if output.exists():
        redact_cookies(output, scratch)
    record["report"] = json.loads(output.read_text()) if output.exists() else None
    if record["report"] is None:
        record["wapiti_tail"] = (workdir / "wapiti.out").read_text(errors="replace")[-2000:]
    log(f"{target['slug']}: done in {record['seconds']} s (wapiti exit {record['wapiti_exit']})")
    return record


# --- The summary -----------------------------------------------------------------------------------------------

def one_line(text) -> str:
    """On one line, with the port (new each run) left out."""
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", re.sub(r"\s+", " ", str(text or "")).strip())


def phase_words(record, budget) -> str:
    words = []
    for name, seconds in record.get("phases", {}).items():
        limit = budget.max_scan_time if name == "crawl" else budget.max_attack_time
        words.append(f"{name} {seconds} s" + (" (stopped at its limit)" if seconds >= limit - 1 else ""))
    return ", ".join(words)


def findings(report):
    """[(kind, category, item)] for every vulnerability, anomaly and additional in a wapiti JSON report."""
    found = []
    for kind in ("vulnerabilities", "anomalies", "additionals"):
        for category, items in (report or {}).get(kind, {}).items():
            found += [(kind, category, item) for item in items]
    return found


def session_verdict(record) -> str:
    if not record["email"]:
        return "not signed in (by design)"
    before, after = record.get("account_before"), record.get("account_after")
    portal = record["portal"]
    problems = []
    if after is None:
        problems.append("the account row is gone")
    else:
        if after["session_generation"] != before["session_generation"]:
            problems.append("the account's sessions were ended (session generation changed)")
        if not after["active"]:
            problems.append("the account was deactivated")
    if portal["signed_out_after_last_signed_in"]:
        problems.append(f"{portal['signed_out_after_last_signed_in']} requests after the last signed-in one were "
                        "not signed in")
    return "stayed signed in throughout" if not problems else "; ".join(problems)


def git_state():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "portal", "migrations")
    return commit + (" with uncommitted changes under portal/ or migrations/" if dirty else "")


def write_summary(records, budget, started_at, elapsed, arguments):
    version = next((r["report"]["infos"].get("version") for r in records if r.get("report")), "Wapiti (no report)")
    out = ["# Wapiti scan of the portal", "",
           f"- {version}, {started_at:%Y-%m-%d %H:%M} UTC; portal at commit {git_state()}.",
           f"- Command: `scan/run{(' ' + ' '.join(arguments)) if arguments else ''}`; whole run {elapsed // 60} min "
           f"{elapsed % 60} s (scans {budget.parallel} at a time).",
           f"- Each target: its own copy of a fresh demo database on loopback; `--scope folder`; modules "
           f"{', '.join(PASSIVE_MODULES)} (passive) and {', '.join(budget.active_modules)} (active); crawl at "
           f"most {budget.max_scan_time} s (`--max-scan-time`), each attack module at most "
           f"{budget.max_attack_time} s (`--max-attack-time`), {budget.max_links_per_page} links a page, "
           f"depth {budget.depth}, `-S {budget.scan_force}`, {budget.tasks} tasks, {budget.timeout} s request "
           "timeout, `--skip csrf_token`.",
           "- Never requested: `/sign-out`, `/admin/users/*/deactivate`, `/admin/users/*/anonymise` and the "
           "signed-in person's own `/admin/users/<id>` pages.",
           "- Raw reports: `<target>.json` beside this file (wapiti's JSON, `-dr 1`: crawled pages with their "
           "status, session cookie values redacted; several MB, so not committed: a run writes them).", "",
           "| target | account | URLs crawled (with a response) | portal requests (signed in) | 5xx | session | "
           "vulnerabilities | anomalies | additionals |",
           "|---|---|---|---|---|---|---|---|---|"]
    for record in records:
        report, portal = record.get("report"), record["portal"]
        counts = Counter(kind for kind, _, _ in findings(report))
        crawled = (f"{report['infos'].get('crawled_pages_nbr')} ({len(report['infos'].get('crawled_pages', []))})"
                   if report else "no report")
        signed = f"{portal['requests']} ({portal['signed_in']})" if record["email"] else f"{portal['requests']} (-)"
        out.append(f"| {record['slug']} | {record['email'] or '-'} | {crawled} | {signed} | "
                   f"{sum(portal['server_errors'].values())} | {session_verdict(record)} | "
                   f"{counts['vulnerabilities']} | {counts['anomalies']} | {counts['additionals']} |")
    for record in records:
        report, portal = record.get("report"), record["portal"]
        who = f"{record['email']} ({record['name']}, {record['description']})" if record["email"] else "not signed in"
        out += ["", f"## {record['slug']}: {who}", ""]
        out.append(f"- wapiti: {record['seconds']} s, exit {record['wapiti_exit']}; {phase_words(record, budget)}.")
        if report is None:
            out += ["- **No report was written.** The end of wapiti's output:", "", "```",
                    record.get("wapiti_tail", ""), "```"]
            continue
        crawled = report["infos"].get("crawled_pages", [])
        by_status = Counter(str(page["response"]["status_code"]) for page in crawled)
        methods = Counter(page["request"]["method"] for page in crawled)
        out.append(f"- Crawled: wapiti counted {report['infos'].get('crawled_pages_nbr')} URLs and forms; "
                   f"{len(crawled)} requests with a response "
                   f"({', '.join(f'{m} {n}' for m, n in sorted(methods.items()))}; by status: "
                   f"{', '.join(f'{s}: {n}' for s, n in sorted(by_status.items()))}).")
        out.append(f"- Portal log: {portal['requests']} requests, by status {portal['statuses']}"
                   + (f"; {portal['signed_in']} signed in as user {record['account_before']['id']}"
                      if record["email"] else "") + f". Session: {session_verdict(record)}.")
        if portal["server_errors"]:
            out.append("- Server errors in the portal log: "
                       + "; ".join(f"`{key}` ×{n}" for key, n in portal["server_errors"].items()) + ".")
        found = findings(report)
        if not found:
            out.append("- Findings: none.")
            continue
        per_category = Counter((kind, category) for kind, category, _ in found)
        out += ["", "| kind | category | count |", "|---|---|---|"]
        out += [f"| {kind} | {category} | {n} |" for (kind, category), n in sorted(per_category.items())]
        out.append("")
        for kind, category, item in found:
            parameter = f", parameter `{item['parameter']}`" if item.get("parameter") else ""
            out.append(f"- **{category}** ({kind[:-1] if kind != 'vulnerabilities' else 'vulnerability'}, "
                       f"module {item.get('module')}, level {item.get('level')}): `{item.get('method')} "
                       f"{item.get('path')}`{parameter}: {one_line(item.get('info'))}")
    (RESULTS / "summary.md").write_text("\n".join(out) + "\n", encoding="utf-8")


# --- Main ------------------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all-accounts", action="store_true",
                        help="scan every demo account in the README, not one per role")
    parser.add_argument("--roles", help="comma-separated targets (e.g. la-admin,adviser,unauthenticated)")
    parser.add_argument("--parallel", type=int, default=2, help="scans at once, each with its own portal (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per portal (2)")
    parser.add_argument("--max-scan-time", type=int, default=90, help="crawl budget in seconds per target (90)")
    parser.add_argument("--max-attack-time", type=int, default=30,
                        help="seconds per attack module per target (30)")
    parser.add_argument("--max-links-per-page", type=int, default=50)
    parser.add_argument("--depth", type=int, default=15, help="link depth (15)")
    # Every render of a form carries a new CSRF token, so wapiti sees a "new" form each time a form page is
    # fetched again (a POST answered with the form and its errors, say); "polite" caps how often one URL and
    # parameter-name pattern is crawled, which keeps the crawl on distinct pages.
    parser.add_argument("--scan-force", default="polite", help="wapiti's -S (polite)")
    parser.add_argument("--tasks", type=int, default=8, help="wapiti's concurrent requests (8)")
    parser.add_argument("--timeout", type=float, default=30, help="wapiti's request timeout in seconds (30)")
    parser.add_argument("--active-modules", default=",".join(ACTIVE_MODULES))
    parser.add_argument("--keep-scratch", action="store_true", help="keep the throwaway folder (its path is printed)")
    arguments = sys.argv[1:] if argv is None else argv
    budget = parser.parse_args(arguments)
    budget.active_modules = [name for name in budget.active_modules.split(",") if name]

    started_at, clock_start = datetime.now(timezone.utc), time.monotonic()
    chosen, password = targets(budget.all_accounts, set(budget.roles.split(",")) if budget.roles else None)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for stale in list(RESULTS.glob("*.json")) + [RESULTS / "summary.md"]:
        stale.unlink(missing_ok=True)

    scratch = Path(tempfile.mkdtemp(prefix="portal-scan-"))
    try:
        log(f"throwaway instance folder {scratch}; loading the demo data")
        pristine = scratch / "pristine"
        make_pristine(pristine, secrets.token_hex(32))
        log(f"targets: {', '.join(t['slug'] for t in chosen)}")
        records = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, budget.parallel)) as pool:
            futures = {pool.submit(scan_target, target, password, pristine, scratch, budget, budget.workers):
                       target["slug"] for target in chosen}
            for future in concurrent.futures.as_completed(futures):
                records[futures[future]] = future.result()
        ordered = [records[target["slug"]] for target in chosen]
        elapsed = round(time.monotonic() - clock_start)
        write_summary(ordered, budget, started_at, elapsed, arguments)
    finally:
        if budget.keep_scratch:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    log(f"finished in {elapsed // 60} min {elapsed % 60} s: scan/results/summary.md")
    failed = [r["slug"] for r in ordered if r.get("report") is None]
    if failed:
        log(f"no report for: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
