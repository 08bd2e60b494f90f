"""Slowing down password guessing, limiting reset emails, and ending other sessions when a password changes."""

from datetime import timedelta

from sqlalchemy import select, update

from portal.audit import AuditEvent
from portal.auth import throttle
from portal.auth.models import SignInFailure
from portal.extensions import db
from portal import clock
from tests.conftest import PASSWORD, text_of
from tests.test_account_emails import choose, mailbox, reset_link, views  # noqa: F401 (fixtures, shared)

TOO_MANY = "There have been too many attempts to sign in"


def _guess(client, email, password="not-the-password"):
    return client.post("/sign-in", data={"email": email, "password": password})


def test_five_wrong_passwords_pause_sign_in_for_that_account_even_with_the_right_one(app, client, world):
    world.user("head@example.org")
    world.user("deputy@example.org")
    for _ in range(throttle.PER_ACCOUNT):
        assert "Enter a correct email address and password" in text_of(_guess(client, "Head@Example.org "))
    refused = _guess(client, "head@example.org", PASSWORD)
    assert refused.status_code == 429 and TOO_MANY in text_of(refused) and "There is a problem" in text_of(refused)
    assert _guess(client, "deputy@example.org", PASSWORD).status_code == 302  # other accounts are not affected
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_throttled")) is not None
        db.session.execute(update(SignInFailure).values(at=clock.now() - throttle.WINDOW - timedelta(seconds=1)))
        db.session.commit()
    client.delete_cookie("session")
    assert _guess(client, "head@example.org", PASSWORD).status_code == 302  # the window has passed


def test_guesses_at_unknown_addresses_count_too(client):
    for _ in range(throttle.PER_ACCOUNT):
        assert _guess(client, "nobody@example.org").status_code == 200
    assert _guess(client, "nobody@example.org").status_code == 429


def test_many_failures_from_one_network_address_pause_every_account_from_it(app, client, world):
    world.user("head@example.org")
    with app.app_context():
        now = clock.now()
        for n in range(throttle.PER_ADDRESS):
            throttle.record_failure(f"guess{n}@example.org", "127.0.0.1", now)
        db.session.commit()
        assert throttle.is_throttled("head@example.org", "127.0.0.1") and not throttle.is_throttled("head@example.org", "10.0.0.9")
    assert _guess(client, "head@example.org", PASSWORD).status_code == 429


def test_old_failures_are_forgotten(app):
    with app.app_context():
        throttle.record_failure("head@example.org", "127.0.0.1", clock.now() - timedelta(days=2))
        throttle.record_failure("head@example.org", "127.0.0.1", clock.now())
        db.session.commit()
        assert throttle.forget_old() == 1
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(SignInFailure)) == 1


def test_at_most_three_reset_emails_an_hour(app, client, world, mailbox, views):  # noqa: F811
    world.user("head@example.org")
    for _ in range(5):
        page = client.post("/forgot-password", data={"email": "head@example.org"})
        assert page.status_code == 200 and "If an account exists for that email address" in text_of(page)
    assert len(mailbox) == 3


def test_a_new_password_ends_the_persons_other_sessions(app, client, world, sign_in, mailbox, views):  # noqa: F811
    world.user("head@example.org", "Sarah Lewis")
    sign_in("head@example.org")
    other_browser = app.test_client()
    assert other_browser.post("/sign-in", data={"email": "head@example.org", "password": PASSWORD}).status_code == 302
    assert other_browser.get("/").status_code == 200
    client.post("/sign-out")
    path = reset_link(app, client, mailbox)
    assert choose(client, path).status_code == 302
    assert client.get("/").status_code == 200  # the browser that reset it is signed in afresh
    after = other_browser.get("/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/sign-in")
