"""A real OpenID Connect provider for tests: oidc-provider (Node.js, tests/oidc/) on 127.0.0.1 over plain HTTP.

    with start_oidc_provider(tmp_path, redirect_uris=[...], accounts=[...]) as provider:
        provider.issuer           # "http://127.0.0.1:PORT", no trailing slash; the ID token's iss is exactly this
        provider.discovery_url    # issuer + "/.well-known/openid-configuration"
        provider.client_id, provider.client_secret
        final_url = sign_in_at_provider(requests_session, authorize_url, "head@school.example")
        provider.stop(); provider.start()   # down, then back on the same port with the same signing key

What the provider does (tests/oidc/provider.mjs):

- Clients are confidential web clients: response_type "code", grant "authorization_code". The secret may be sent
  with client_secret_basic or client_secret_post; both are accepted.
- PKCE is optional: a request without code_challenge works; with one, only S256 is supported and the token request
  must carry the matching code_verifier.
- The only interaction is the login form (fields "login" and "password"). The login is matched against an account's
  sub or email (email case-insensitively); any password is accepted for a known account; an unknown login gets the
  form again with an error. There is no consent screen: the requested openid/email/profile scopes are granted.
- The ID token carries email, email_verified and name (scopes email and profile) besides sub; it is RS256-signed
  with a key published at the jwks_uri, and lasts id_token_ttl seconds (at least 1).
- The provider runs on the test's clock: the suite pins Python's clock (tests/conftest.py, time_machine), so each
  start() gives the provider the offset between that clock and the real one, and the iat/exp it issues agree with
  what Authlib and joserfc read as now. A test that moves the clock (``travel``) after starting the provider should
  stop() and start() it again.
- clock_offset shifts the provider's clock a further that many seconds: with clock_offset=-600 every ID token is
  already expired when issued, past the 120 s leeway that Authlib allows by default (id_token_ttl=1 then waiting
  would need over two minutes against that leeway).

- The authorization response carries iss (RFC 9207) besides code and state. The provider keeps a signed-in session
  in its cookies: a second authorize with the same requests.Session goes straight back with a code, no form.
- Everything is in memory: a stop() forgets sessions, codes and tokens, but not the signing key.

The oidc_provider fixture below is a factory; a test module uses it after `from tests.oidc_provider import
oidc_provider  # noqa: F401` (or a conftest lists this module in pytest_plugins). Give sign_in_at_provider a
requests.Session with trust_env = False, so no proxy from the environment is used for loopback.

The provider needs node and tests/oidc/node_modules (scripts/ensure-oidc-provider installs it; `make test` runs it).
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"
START_TIMEOUT = 20.0


class OidcProviderError(RuntimeError):
    """The provider did not start, or signing in at it did not reach the client's redirect_uri."""


def node_available() -> bool:
    return shutil.which("node") is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_clock_offset() -> float:
    """Seconds between the clock Python reads (time_machine's, when a test pins it) and the real one."""
    try:
        from time_machine import escape_hatch
    except ImportError:
        return 0.0
    if not escape_hatch.is_travelling():
        return 0.0
    return time.time() - escape_hatch.time.time()


def _plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment for loopback
    return session


class OidcProvider:
    """One oidc-provider process; a context manager that stops it on exit."""

    def __init__(self, workdir: Path, config: dict, port: int, *, client_id: str, client_secret: str):
        self.workdir = Path(workdir)
        self.config = config
        self.config_path = self.workdir / "oidc-provider.json"
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(config["clients"][0]["redirect_uris"])
        self._process: subprocess.Popen | None = None
        self._stdout_path = self.workdir / "oidc-provider.stdout"
        self._stderr_path = self.workdir / "oidc-provider.stderr"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stderr(self) -> str:
        try:
            return self._stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> OidcProvider:
        """Start (or restart, on the same port and with the same signing key) and wait until discovery answers."""
        if self.running:
            return self
        node = shutil.which("node")
        if node is None:
            raise OidcProviderError("node is not on PATH: the OpenID Connect provider cannot run")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise OidcProviderError("tests/oidc/node_modules is missing: run scripts/ensure-oidc-provider")
        config = dict(self.config)
        config["clock_offset"] = config.get("clock_offset", 0) + _test_clock_offset()
        self.config_path.write_text(json.dumps(config))
        # Output goes to files, not pipes, so that a chatty provider can never block on a full pipe.
        with open(self._stdout_path, "wb") as out, open(self._stderr_path, "wb") as err:
            self._process = subprocess.Popen(
                [node, str(PROVIDER_SCRIPT), "--config", str(self.config_path), "--port", str(self.port),
                 "--issuer", self.issuer],
                cwd=OIDC_DIR, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            )
        deadline = time.monotonic() + START_TIMEOUT
        ready = f"READY {self.issuer}"
        while True:
            if ready in self._stdout_path.read_text(errors="replace").splitlines():
                break
            if self._process.poll() is not None:
                raise OidcProviderError(
                    f"the OpenID Connect provider exited ({self._process.returncode}) before it was ready:\n"
                    f"{self.stderr()}")
            if time.monotonic() > deadline:
                self.stop()
                raise OidcProviderError(
                    f"the OpenID Connect provider was not ready within {START_TIMEOUT:.0f} s:\n{self.stderr()}")
            time.sleep(0.02)
        with _plain_session() as http:
            response = http.get(self.discovery_url, timeout=5)
        if response.status_code != 200 or response.json().get("issuer") != self.issuer:
            self.stop()
            raise OidcProviderError(
                f"{self.discovery_url} answered {response.status_code}: {response.text[:500]}\n{self.stderr()}")
        return self

    def stop(self) -> None:
        """Stop the provider (SIGTERM, then SIGKILL after 5 s); its port then refuses connections."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> OidcProvider:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __del__(self) -> None:  # a test that forgot to stop it must not leave node running
        try:
            self.stop()
        except Exception:
            pass


def start_oidc_provider(tmp_path, *, redirect_uris, accounts, id_token_ttl: int = 3600,
                        client_id: str = "portal", client_secret: str | None = None,
                        clock_offset: float = 0) -> OidcProvider:
    """Start a provider with one client and these accounts ({sub, email, email_verified, name}) on a free port.

    Files (config, signing key, output) go to tmp_path/oidc-provider-PORT/. Raises OidcProviderError, with the
    provider's stderr, if it is not answering within 20 s.
    """
    if client_secret is None:
        client_secret = secrets.token_urlsafe(24)
    port = _free_port()
    workdir = Path(tmp_path) / f"oidc-provider-{port}"
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "clients": [{"client_id": client_id, "client_secret": client_secret,
                     "redirect_uris": list(redirect_uris)}],
        "accounts": [dict(account) for account in accounts],
        "id_token_ttl": int(id_token_ttl),
        "clock_offset": float(clock_offset),
    }
    provider = OidcProvider(workdir, config, port, client_id=client_id, client_secret=client_secret)
    return provider.start()


class _FormParser(HTMLParser):
    """The forms of a page: action, method and named inputs with their values; and any alert text."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.alerts: list[str] = []
        self._in_alert = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif attrs.get("role") == "alert":
            self._in_alert = True

    def handle_endtag(self, tag):
        self._in_alert = False

    def handle_data(self, data):
        if self._in_alert and data.strip():
            self.alerts.append(data.strip())


def sign_in_at_provider(session: requests.Session, authorize_url: str, login: str, password: str = "any") -> str:
    """Go from the authorize URL through the provider's login form, as a browser would, without a browser.

    Returns the URL that the provider finally redirects to at the client's redirect_uri (with code and state, or
    with error), without requesting it. Raises OidcProviderError when the provider shows a page instead (e.g. the
    login form again, for an unknown login), with the page's error message.
    """
    query = parse_qs(urlsplit(authorize_url).query)
    redirect_uri = query.get("redirect_uri", [None])[0]
    if not redirect_uri:
        raise ValueError("the authorize URL has no redirect_uri")
    target = urlsplit(redirect_uri)

    def at_client(url: str) -> bool:
        here = urlsplit(url)
        return (here.scheme, here.netloc, here.path) == (target.scheme, target.netloc, target.path)

    url, method, data = authorize_url, "get", None
    submitted = False
    for _ in range(20):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(response.url, response.headers["Location"])
            if at_client(url):
                return url
            method, data = "get", None
            continue
        page = _FormParser()
        page.feed(response.text)
        form = next((form for form in page.forms if "login" in form["fields"]), None)
        if response.status_code != 200 or form is None or submitted:
            message = "; ".join(page.alerts) or response.text[:500]
            raise OidcProviderError(f"signing in as {login!r} stopped at {response.url} "
                                    f"({response.status_code}): {message}")
        fields = dict(form["fields"])
        fields["login"] = login
        fields["password"] = password
        url, method, data = urljoin(response.url, form["action"]), form["method"], fields
        submitted = True
    raise OidcProviderError(f"too many redirects signing in as {login!r}")


@pytest.fixture
def oidc_provider(tmp_path):
    """A factory: oidc_provider(redirect_uris=..., accounts=..., ...) -> a started OidcProvider, stopped after."""
    started: list[OidcProvider] = []

    def factory(**kwargs) -> OidcProvider:
        provider = start_oidc_provider(tmp_path, **kwargs)
        started.append(provider)
        return provider

    yield factory
    for provider in started:
        provider.stop()
