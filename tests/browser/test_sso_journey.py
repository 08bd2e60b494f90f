"""A headteacher signs in with their council's identity provider in a real browser: the portal's button, the
provider's own sign-in page, and back to their home page."""

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from time_machine import escape_hatch

from portal.extensions import db
from portal.schools.models import Role
from portal.sso.models import IdentityProvider
from tests.oidc_provider import node_available, oidc_provider  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(not node_available(), reason="node is not installed (the test provider runs on it)")


def test_a_headteacher_signs_in_through_the_provider(app, page, portal_url, world, travel, oidc_provider, csp_violations):  # noqa: F811
    # The browser keeps the real clock; so do the provider's cookies. Move the portal's pinned clock to it.
    travel(datetime.fromtimestamp(escape_hatch.time.time(), tz=timezone.utc))
    brookside = world.school("Brookside Primary School")
    world.user("head@example.org", "Sarah Lewis", roles=[(brookside, Role.HEADTEACHER)])
    saved_url = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = portal_url
    try:
        running = oidc_provider(redirect_uris=[portal_url + "/sign-in/sso/callback"],
                                accounts=[{"sub": "ms-1", "email": "head@example.org", "email_verified": True,
                                           "name": "Sarah Lewis"}])
        with app.app_context():
            db.session.add(IdentityProvider(name="Microsoft", issuer=running.issuer, client_id=running.client_id,
                                            client_secret=running.client_secret, email_domains="example.org",
                                            active=True))
            db.session.commit()

        page.goto(portal_url + "/")
        page.get_by_role("button", name="Sign in with Microsoft").click()
        expect(page).to_have_url(re.compile("^" + re.escape(running.issuer) + "/"))
        page.locator("input[name=login]").fill("head@example.org")
        page.locator("input[name=password]").fill("anything")
        page.locator("form button[type=submit], form input[type=submit]").first.click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Your schools")
        assert page.url.startswith(portal_url)
        expect(page.get_by_role("link", name="Brookside Primary School")).to_be_visible()
        assert csp_violations == []
    finally:
        app.config["PUBLIC_URL"] = saved_url
