"""Single sign-on through a real OpenID Connect provider (oidc-provider on loopback, tests/oidc_provider.py): the
portal's pages from the sign-in button to the home page, and every way it must refuse without a session."""

from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from portal import clock
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import Role
from portal.sso import oidc
from portal.sso.models import IdentityProvider, SsoLink
from tests.conftest import PASSWORD, text_of
from tests.oidc_provider import node_available, oidc_provider, sign_in_at_provider  # noqa: F401 - the fixture
from tests.servers import real_clock_only

# The provider is a real server (a Node.js process): like the portal's own real-server tests, it needs the real clock.
pytestmark = [pytest.mark.skipif(not node_available(), reason="node is not installed (the test provider runs on it)"),
              real_clock_only]

ACCOUNTS = [{"sub": "ms-head-1", "email": "head@example.org", "email_verified": True, "name": "Sarah Lewis"},
            {"sub": "ms-stranger", "email": "stranger@example.org", "email_verified": True, "name": "Stranger"},
            {"sub": "ms-left", "email": "left@example.org", "email_verified": True, "name": "Left"},
            {"sub": "ms-unverified", "email": "unverified@example.org", "email_verified": False, "name": "Unverified"},
            {"sub": "ms-elsewhere", "email": "head@elsewhere.org", "email_verified": True, "name": "Elsewhere"}]


@pytest.fixture
def people(world):
    school = world.school("Brookside Primary School")
    return {"head": world.user("head@example.org", roles=[(school, Role.HEADTEACHER)]),
            "left": world.user("left@example.org", roles=[(school, Role.GOVERNOR)], active=False),
            "elsewhere": world.user("head@elsewhere.org", roles=[(school, Role.GOVERNOR)]),
            "admin": world.user("admin@example.org", is_la_admin=True)}


@pytest.fixture
def idp(app, oidc_provider):  # noqa: F811 - the fixture imported above
    """The provider running, and the LA's record of it (Microsoft, for example.org)."""
    running = oidc_provider(redirect_uris=[_callback(app)], accounts=ACCOUNTS)
    return running, _record(app, running)


def _callback(app):
    return app.config["PUBLIC_URL"].rstrip("/") + "/sign-in/sso/callback"


def _record(app, running, *, issuer=None, name="Microsoft", domains="example.org", passwords_off=False):
    with app.app_context():
        provider = IdentityProvider(name=name, issuer=issuer or running.issuer, client_id=running.client_id,
                                    client_secret=running.client_secret, email_domains=domains,
                                    passwords_off=passwords_off, active=True)
        db.session.add(provider)
        db.session.commit()
        return provider.id


def _browser():
    session = requests.Session()
    session.trust_env = False
    return session


def _single_sign_on(client, provider_id, login, browser=None):
    """Press "Sign in with", sign in at the provider, come back: the portal's answer to the callback."""
    started = client.get(f"/sign-in/with/{provider_id}")
    assert started.status_code == 302, text_of(started)
    back = sign_in_at_provider(browser or _browser(), started.headers["Location"], login)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def _events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_signing_in_with_the_provider_links_the_account_then_matches_on_its_id(app, client, people, idp):
    running, provider_id = idp
    page = client.get("/sign-in")
    assert "Sign in with Microsoft" in text_of(page) and "Or sign in with a password" in text_of(page)
    answer = _single_sign_on(client, provider_id, "head@example.org")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        link = db.session.scalar(select(SsoLink))
        assert (link.user_id, link.subject) == (people["head"], "ms-head-1")
    (signed_in,) = _events(app, "auth.signed_in")
    assert signed_in.changes == {"method": "single sign-on (Microsoft)", "second_factor": None}
    assert [event.record_id for event in _events(app, "auth.sso_linked")] == [people["head"]]

    # Later sign-ins match on the provider's id, not the email: a changed address here still finds the account.
    client.post("/sign-out")
    with app.app_context():
        db.session.get(User, people["head"]).email = "sarah.lewis@example.org"
        db.session.commit()
    assert _single_sign_on(client, provider_id, "ms-head-1").status_code == 302
    assert client.get("/").status_code == 200 and len(_events(app, "auth.sso_linked")) == 1


def test_no_account_is_made_and_no_session_is_given_when_it_must_refuse(app, client, people, idp):
    running, provider_id = idp
    cases = [("stranger@example.org", "There is no account for stranger@example.org"),
             ("left@example.org", "Your account has been deactivated"),
             ("unverified@example.org", "has not verified your email address"),
             ("head@elsewhere.org", "is not on an email domain that Microsoft sign-in is set up for")]
    for login, message in cases:
        answer = _single_sign_on(client, provider_id, login)
        assert answer.status_code == 400 and message in text_of(answer), login
        assert "You have not been signed in" in text_of(answer) and client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "stranger@example.org")) is None
        assert db.session.scalar(select(SsoLink)) is None
    assert len(_events(app, "auth.sso_failed")) == 4


def test_a_mismatched_state_or_nonce_or_a_reused_answer_is_refused(app, client, people, idp):
    running, provider_id = idp
    started = client.get(f"/sign-in/with/{provider_id}")
    back = urlsplit(sign_in_at_provider(_browser(), started.headers["Location"], "head@example.org"))
    forged = back.query.replace("state=", "state=x")
    answer = client.get(f"{back.path}?{forged}")
    assert answer.status_code == 400 and "may have been started in another tab" in text_of(answer)
    # The answer is good only once: what the portal held for it has gone.
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code == 400 and "Start again" in text_of(again) and client.get("/").status_code == 302

    # A nonce that does not match the one the portal sent (an ID token minted for another request).
    started = client.get(f"/sign-in/with/{provider_id}")
    back = urlsplit(sign_in_at_provider(_browser(), started.headers["Location"], "head@example.org"))
    with client.session_transaction() as session:
        session["sso"] = {**session["sso"], "nonce": "not-the-one-sent"}
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 400 and "could not be checked" in text_of(answer) and client.get("/").status_code == 302


def test_a_wrong_issuer_an_expired_token_and_a_provider_that_is_down(app, client, people, oidc_provider, tmp_path):  # noqa: F811
    running = oidc_provider(redirect_uris=[_callback(app)], accounts=ACCOUNTS)
    # The same server reached by another name publishes an issuer other than the one the LA admin entered.
    wrong = _record(app, running, issuer=running.issuer.replace("127.0.0.1", "localhost"), name="Wrong issuer")
    answer = client.get(f"/sign-in/with/{wrong}")
    assert answer.status_code == 502 and "set up with the wrong issuer address" in text_of(answer)

    stale = oidc_provider(redirect_uris=[_callback(app)], accounts=ACCOUNTS, id_token_ttl=1, clock_offset=-600)
    expired = _record(app, stale, name="Slow clock")
    answer = _single_sign_on(client, expired, "head@example.org")
    assert answer.status_code == 400 and "had expired" in text_of(answer) and client.get("/").status_code == 302

    microsoft = _record(app, running)
    running.stop()
    answer = client.get(f"/sign-in/with/{microsoft}")
    assert answer.status_code == 502 and "Microsoft sign-in is not answering just now" in text_of(answer)
    running.start()
    assert _single_sign_on(client, microsoft, "head@example.org").status_code == 302
    details = [event.changes["detail"] for event in _events(app, "auth.sso_failed")]
    assert any("issuer" in detail for detail in details) and any("expired" in detail.lower() for detail in details)


def test_a_tampered_id_token_is_refused(app, people, idp):
    """A token from the real provider, changed after signing: its signature no longer matches the provider's key."""
    import base64
    import json

    running, provider_id = idp
    browser = _browser()
    with app.test_request_context():
        provider = db.session.get(IdentityProvider, provider_id)
        metadata = oidc.discover(provider)
        url, held = oidc.start(provider, _callback(app), clock.now())
        back = sign_in_at_provider(browser, url, "stranger@example.org")
        code = dict(part.split("=", 1) for part in urlsplit(back).query.split("&"))["code"]
        token = browser.post(metadata["token_endpoint"], timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": _callback(app),
            "code_verifier": held["verifier"]}, auth=(running.client_id, running.client_secret)).json()["id_token"]
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["email"] = "head@example.org"  # someone else's account
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        now = clock.now()
        with pytest.raises(oidc.SignInProblem, match="could not be checked"):
            oidc._checked_claims(provider, metadata, f"{header}.{forged}.{signature}", held["nonce"], now)
        assert oidc._checked_claims(provider, metadata, token, held["nonce"], now)["email"] == "stranger@example.org"


def test_a_person_with_two_factor_still_enters_their_code(app, client, sign_in, people, idp):
    import pyotp

    from portal.auth import two_factor

    running, provider_id = idp
    with app.app_context():
        secret = two_factor.new_secret()
        two_factor.confirm_set_up(db.session.get(User, people["head"]), secret,
                                  pyotp.TOTP(secret).at(clock.now()), clock.now())
        db.session.commit()
    answer = _single_sign_on(client, provider_id, "head@example.org")
    assert answer.headers["Location"].endswith("/sign-in/code") and client.get("/").status_code == 302


def test_passwords_switched_off_for_a_domain(app, client, people, idp):
    running, provider_id = idp
    with app.app_context():
        db.session.get(IdentityProvider, provider_id).passwords_off = True
        db.session.commit()
    refused = client.post("/sign-in", data={"email": "head@example.org", "password": PASSWORD})
    assert "Your organisation signs in to this portal through Microsoft" in text_of(refused)
    assert 'value="head@example.org"' in refused.get_data(as_text=True) and client.get("/").status_code == 302
    # Another domain's people still use passwords.
    assert client.post("/sign-in", data={"email": "head@elsewhere.org", "password": PASSWORD}).status_code == 302


def test_the_la_admin_adds_a_provider_and_unlinks_an_account(app, client, sign_in, people, idp):
    running, provider_id = idp
    sign_in("admin@example.org")
    assert "Single sign-on" in text_of(client.get("/admin/users"))
    page = client.get("/admin/single-sign-on")
    assert "/sign-in/sso/callback" in text_of(page) and "Microsoft" in text_of(page)
    refused = client.post("/admin/single-sign-on/new", data={
        "name": "Google", "issuer": "accounts.google.com", "client_id": "abc", "client_secret": "s3cret",
        "email_domains": "brookside.sch.uk", "active": "y"})
    assert "Enter the issuer as an https address" in text_of(refused)
    assert 'value="accounts.google.com"' in refused.get_data(as_text=True)
    added = client.post("/admin/single-sign-on/new", data={
        "name": "Google", "issuer": "https://accounts.google.com", "client_id": "abc", "client_secret": "s3cret",
        "email_domains": "@Brookside.sch.uk, kingsway.sch.uk", "active": "y"}, follow_redirects=True)
    assert "Google saved" in text_of(added) and "brookside.sch.uk, kingsway.sch.uk" in text_of(added)
    with app.app_context():
        google = db.session.scalar(select(IdentityProvider).where(IdentityProvider.name == "Google"))
        google_id = google.id
    # A blank secret keeps the one saved; the audit log never holds it.
    client.post(f"/admin/single-sign-on/{google_id}", data={
        "name": "Google", "issuer": "https://accounts.google.com", "client_id": "abc", "client_secret": "",
        "email_domains": "brookside.sch.uk", "active": "y"})
    with app.app_context():
        assert db.session.get(IdentityProvider, google_id).client_secret == "s3cret"
        logged = " ".join(str(event.changes) for event in db.session.scalars(select(AuditEvent)))
        assert "s3cret" not in logged and running.client_secret not in logged

    client.post("/sign-out")
    _single_sign_on(client, provider_id, "head@example.org")
    sign_in("admin@example.org")
    assert "Linked to a Microsoft account" in text_of(client.get(f"/admin/users/{people['head']}"))
    with app.app_context():
        link_id = db.session.scalar(select(SsoLink.id))
    done = client.post(f"/admin/users/{people['head']}/single-sign-on/{link_id}/unlink", follow_redirects=True)
    assert "is no longer linked to a Microsoft account" in text_of(done)
    assert [event.record_id for event in _events(app, "auth.sso_unlinked")] == [people["head"]]
