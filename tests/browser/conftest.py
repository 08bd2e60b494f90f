"""Browser tests: Playwright driving the system's Chromium against the app on loopback."""

import shutil
import threading
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_NOW

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="chromium is not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def portal_url(app):
    """The portal served by a real HTTP server in a thread, on a free loopback port.

    The portal runs on the suite's pinned clock but Chromium keeps the real one: a session cookie's expiry is
    lengthened by the distance between them, so the browser does not drop it as long expired."""
    behind = max(datetime.now(timezone.utc) - TEST_NOW, timedelta(0))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=int(app.permanent_session_lifetime.total_seconds())) + behind
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def csp_violations(page):
    """Console messages about the Content-Security-Policy: there must be none."""
    messages = []
    page.on("console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None)
    return messages
