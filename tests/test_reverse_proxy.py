"""The example reverse proxy (deploy/nginx.conf) in front of a real gunicorn: a real nginx serves the portal over
TLS with only its ports, certificate paths and upstream address changed. Plain HTTP redirects; sign-in works (the
portal sees HTTPS and the browser's host, so its form checks pass); the session cookie is Secure; an upload over
nginx's default body limit goes through; nginx's request id reaches the portal's log."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from portal.evidence.models import EvidenceFile
from portal.extensions import db
from tests.conftest import free_port
from tests.servers import ROOT, csrf_token, real_clock_only, signed_in, start_gunicorn, stop, wait_until_serving
from tests.test_evidence import PDF, school  # noqa: F401 - the fixture

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
pytestmark = [real_clock_only, pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/ensure-nginx)")]


def _site(upstream_port: int, http_port: int, https_port: int, certificate: Path, key: Path) -> str:
    """deploy/nginx.conf with this test's ports and paths: each change must find its line, so the example is what
    is tested."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for line, ours in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
                       ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                       ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                       ("/etc/ssl/certs/improvement.example.gov.uk.pem", str(certificate)),
                       ("/etc/ssl/private/improvement.example.gov.uk.key", str(key))):
        assert site.count(line) == 1, f"deploy/nginx.conf no longer has {line!r}"
        site = site.replace(line, ours)
    return site


def _certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "proxy.pem", folder / "proxy.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True, timeout=60)
    return certificate, key


@pytest.fixture
def proxied(app, tmp_path):
    """(https base URL, http base URL, certificate, nginx's folder, gunicorn) for the portal behind nginx."""
    process, upstream = start_gunicorn({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "k" * 64,
                                        "PORTAL_UPLOAD_FOLDER": str(tmp_path / "uploads"),
                                        "PORTAL_BEHIND_PROXY": "true", "PORTAL_SECURE_COOKIES": "true"})
    nginx = None
    try:
        assert wait_until_serving(process, upstream).status_code == 200
        folder = tmp_path / "nginx"
        folder.mkdir()
        certificate, key = _certificate(folder)
        http_port, https_port = free_port(), free_port()
        (folder / "site.conf").write_text(_site(int(upstream.rsplit(":", 1)[1]), http_port, https_port, certificate, key))
        temp = "\n".join(f"  {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "") +
            f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
            f"http {{\n  log_format ids '$request_id $status $request_method $uri';\n"
            f"  access_log {folder}/access.log ids;\n{temp}\n  include {folder}/site.conf;\n}}\n")
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                                 stderr=subprocess.PIPE, text=True)
        base = f"https://127.0.0.1:{https_port}"
        wait_until_serving(nginx, base, verify=str(certificate))
        yield base, f"http://127.0.0.1:{http_port}", certificate, folder, process
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.communicate(timeout=30)
        stop(process)


def test_the_example_proxy_serves_the_portal_over_tls(app, school, proxied):
    base, plain, certificate, folder, _ = proxied
    redirect = requests.get(f"{plain}/sign-in", allow_redirects=False, timeout=10)
    assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://127.0.0.1")

    assert requests.get(f"{base}/healthz", verify=str(certificate), timeout=10).json()["status"] == "ok"

    browser = signed_in(base, "head@example.org", verify=str(certificate))
    (session_cookie,) = [cookie for cookie in browser.cookies if cookie.name == "session"]
    assert session_cookie.secure
    home = browser.get(f"{base}/", timeout=10)
    assert home.status_code == 200 and home.headers["Strict-Transport-Security"].startswith("max-age=")
    request_id = home.headers["X-Request-ID"]
    time.sleep(0.2)  # nginx writes its access log line as the response ends
    assert f"{request_id} 200 GET /" in (folder / "access.log").read_text()  # one id, nginx's, in both logs

    form = f"{base}/schools/{school['id']}/evidence/new"
    big_pdf = PDF + b"\0" * (5 * 1024 * 1024)  # five times nginx's default limit on a request body
    response = browser.post(form, headers={"Referer": form}, allow_redirects=False, timeout=60, data={
        "csrf_token": csrf_token(browser.get(form, timeout=10).text), "meeting_id": str(school["meeting"]),
        "title": "Year 6 reading", "criterion_ids": str(school["criterion"]), "narrative": "Through the proxy."},
        files={"files": ("reading.pdf", big_pdf, "application/pdf")})
    assert response.status_code == 302, response.text[:500]
    with app.app_context():
        stored = db.session.scalar(select(EvidenceFile))
        assert stored.size == len(big_pdf) and stored.display_name == "reading.pdf"


def test_a_post_from_another_site_is_refused_through_the_proxy(school, proxied):
    """Over HTTPS the portal checks that a form came from its own address (the Referer nginx passes through)."""
    base, _, certificate, _, _ = proxied
    browser = signed_in(base, "head@example.org", verify=str(certificate))
    form = f"{base}/schools/{school['id']}/evidence/new"
    token = csrf_token(browser.get(form, timeout=10).text)
    response = browser.post(form, headers={"Referer": "https://elsewhere.example.com/"}, allow_redirects=False,
                            data={"csrf_token": token, "title": "Forged"}, timeout=10)
    assert response.status_code == 400
