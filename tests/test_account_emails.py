"""Forgotten passwords and invitations, end to end through a real SMTP server (aiosmtpd)."""

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.auth import tokens  # noqa: F401  (the model must be in the metadata the clean-up walks)
from portal.auth.models import User
from portal.extensions import db
from portal import clock
from tests.conftest import PASSWORD, text_of

NEW_PASSWORD = "a-brand-new-passphrase"
CONFIRMATION = ("If an account exists for that email address, we have sent a link to reset your password. "
                "The link works once, for 1 hour.")
EXPIRED = "This link has expired or has already been used"


# --- a real SMTP server (the shared ``smtp_server`` fixture) -------------------------------

@pytest.fixture
def mailbox(app, smtp_server):
    """The messages the portal sends by SMTP during one test, as (recipients, message)."""
    saved = {key: app.config.get(key) for key in ("SMTP_SECURITY", "SMTP_USERNAME")}
    app.config.update(SMTP_SECURITY="", SMTP_USERNAME="")
    yield smtp_server.deliveries
    app.config.update(saved)


@pytest.fixture
def views(app):
    assert "auth.forgot_password" in app.view_functions, "portal.auth.account_views must be imported in create_app"


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, path) -> str:
    [link] = re.findall(rf"http\S+/{path}/[A-Za-z0-9_-]+", text_part(message))
    return link


def path_of(link, app) -> str:
    public_url = app.config["PUBLIC_URL"].rstrip("/")
    assert link.startswith(public_url + "/")
    return link[len(public_url):]


def ask_for_reset(client, address):
    return client.post("/forgot-password", data={"email": address})


def reset_link(app, client, mailbox, address="head@example.org"):
    ask_for_reset(client, address)
    return path_of(link_in(mailbox[-1][1], "reset-password"), app)


def choose(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm})


def invited_user(app, email_address="new.governor@example.org", name="Priya Shah"):
    with app.app_context():
        user = User(email=email_address, name=name, password_hash=None, active=True)
        db.session.add(user)
        db.session.commit()
        return user.id


def invite(app, user_id):
    from portal.auth.account_views import send_invitation
    from portal.reminders import outbox

    with app.app_context():
        raw_token = send_invitation(db.session.get(User, user_id))
        db.session.commit()
        outbox.deliver_due()
        return raw_token


# --- tokens, without a request ---------------------------------------------------------

def test_tokens_are_stored_hashed_and_work_once(app, world):
    user_id = world.user("head@example.org")
    with app.app_context():
        user = db.session.get(User, user_id)
        raw_token = tokens.issue(user, tokens.PASSWORD_RESET)
        db.session.commit()
        assert len(raw_token) == tokens.TOKEN_LENGTH == 43
        row = db.session.scalar(select(tokens.AccountToken))
        assert row.token_hash == tokens.hash_token(raw_token) and raw_token not in row.token_hash
        assert timedelta(minutes=59) < tokens._as_utc(row.expires_at) - clock.now() <= timedelta(hours=1)
        assert tokens.redeem(raw_token, tokens.INVITATION) is None  # the wrong purpose
        assert tokens.redeem("x" * 43, tokens.PASSWORD_RESET) is None
        assert tokens.redeem(raw_token, tokens.PASSWORD_RESET) is user
        assert tokens.redeem(raw_token, tokens.PASSWORD_RESET) is user  # redeeming does not use it up
        assert tokens.use(row) is True
        db.session.commit()
        assert tokens.redeem(raw_token, tokens.PASSWORD_RESET) is None
        assert tokens.use(row) is False


def test_a_new_token_replaces_the_older_one_of_the_same_purpose(app, world):
    user_id = world.user("head@example.org")
    with app.app_context():
        user = db.session.get(User, user_id)
        invitation = tokens.issue(user, tokens.INVITATION)
        first = tokens.issue(user, tokens.PASSWORD_RESET)
        second = tokens.issue(user, tokens.PASSWORD_RESET)
        db.session.commit()
        assert tokens.redeem(first, tokens.PASSWORD_RESET) is None
        assert tokens.redeem(second, tokens.PASSWORD_RESET) is user
        assert tokens.redeem(invitation, tokens.INVITATION) is user
        row = db.session.scalar(select(tokens.AccountToken).where(tokens.AccountToken.purpose == tokens.INVITATION))
        assert timedelta(days=6, hours=23) < tokens._as_utc(row.expires_at) - clock.now() <= timedelta(days=7)


def test_deactivated_people_cannot_redeem(app, world):
    user_id = world.user("gone@example.org")
    with app.app_context():
        user = db.session.get(User, user_id)
        raw_token = tokens.issue(user, tokens.PASSWORD_RESET)
        user.active = False
        db.session.commit()
        assert tokens.redeem(raw_token, tokens.PASSWORD_RESET) is None


def test_token_urls_take_exactly_43_characters(app, views):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "auth.reset_password")
    assert rule.rule == "/reset-password/<string(length=43):token>"
    assert app.test_client().get("/reset-password/" + "a" * 44).status_code == 404


# --- forgotten password --------------------------------------------------------------

def test_a_known_email_gets_one_reset_email_with_the_link(app, client, world, mailbox, views):
    world.user("head@example.org", "Sarah Lewis")
    response = client.post("/forgot-password", data={"email": " Head@Example.org "})
    assert response.status_code == 200
    assert CONFIRMATION in text_of(response)
    [(recipients, message)] = mailbox
    assert recipients == ["head@example.org"] and message["To"] == "head@example.org"
    assert message["Subject"] == "Reset your password for School improvement"
    link = link_in(message, "reset-password")
    assert link.startswith(app.config["PUBLIC_URL"].rstrip("/") + "/reset-password/")
    assert link in html_part(message)
    assert "Sarah Lewis" in text_part(message) and "works once, for 1 hour" in text_part(message)
    assert "<img" not in html_part(message)
    with app.app_context():
        raw_token = link.rsplit("/", 1)[1]
        stored = db.session.scalars(select(tokens.AccountToken.token_hash)).all()
        assert stored == [tokens.hash_token(raw_token)]


def test_unknown_and_deactivated_emails_get_the_same_page_and_no_email(client, world, mailbox, views):
    world.user("head@example.org")
    world.user("gone@example.org", active=False)
    known = text_of(client.post("/forgot-password", data={"email": "head@example.org"}))
    unknown = text_of(client.post("/forgot-password", data={"email": "nobody@example.org"}))
    deactivated = text_of(client.post("/forgot-password", data={"email": "gone@example.org"}))
    assert CONFIRMATION in unknown
    assert known == unknown == deactivated
    assert [recipients for recipients, _ in mailbox] == [["head@example.org"]]


def test_blank_and_badly_formed_emails_use_the_error_summary(client, mailbox, views):
    blank = client.post("/forgot-password", data={"email": ""})
    badly_formed = client.post("/forgot-password", data={"email": "head.example.org"})
    assert "There is a problem" in text_of(blank) and "Enter your email address" in text_of(blank)
    assert "There is a problem" in text_of(badly_formed)
    assert "Enter an email address in the correct format" in text_of(badly_formed)
    assert text_of(blank).strip().startswith("Error: Reset your password")
    assert mailbox == []


def test_the_sign_in_page_links_to_forgotten_password(client, views):
    html = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgot-password">Forgotten your password?' in html
    assert client.get("/forgot-password").status_code == 200


# --- the reset link ------------------------------------------------------------------

def test_the_reset_link_sets_a_new_password_once_and_signs_the_person_in(app, client, world, sign_in, mailbox, views):
    user_id = world.user("head@example.org", "Sarah Lewis")
    path = reset_link(app, client, mailbox)
    form_page = client.get(path)
    assert form_page.status_code == 200 and "Choose a new password" in text_of(form_page)
    response = choose(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Your password has been changed" in text_of(home)
    assert "Signed in as Sarah Lewis" in text_of(home)

    again = client.get(path)
    assert again.status_code == 400 and EXPIRED in text_of(again)
    assert 'name="password"' not in again.get_data(as_text=True)
    assert choose(client, path, password="another-long-password").status_code == 400

    client.post("/sign-out")
    refused = client.post("/sign-in", data={"email": "head@example.org", "password": PASSWORD})
    assert refused.status_code == 200 and "Enter a correct email address and password" in text_of(refused)
    sign_in("head@example.org", NEW_PASSWORD)

    with app.app_context():
        from portal.audit import AuditEvent

        events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_id == user_id)).all()
        reset = [e for e in events if e.action == "auth.password_reset"]
        assert len(reset) == 1 and reset[0].actor == "head@example.org"
        changed = [e for e in events if e.action == "user.updated" and "password_hash" in (e.changes or {})]
        assert changed and changed[0].actor == "head@example.org"
        assert changed[0].changes["password_hash"] == ["(hidden)", "(changed)"]


def test_only_the_newest_reset_link_works(app, client, world, mailbox, views):
    world.user("head@example.org")
    first = reset_link(app, client, mailbox)
    second = reset_link(app, client, mailbox)
    assert len(mailbox) == 2 and first != second
    assert client.get(first).status_code == 400
    assert choose(client, second).status_code == 302


def test_an_expired_link_is_refused(app, client, world, mailbox, views):
    world.user("head@example.org")
    path = reset_link(app, client, mailbox)
    with app.app_context():
        row = db.session.scalar(select(tokens.AccountToken))
        row.expires_at = clock.now() - timedelta(minutes=1)
        db.session.commit()
    for response in (client.get(path), choose(client, path)):
        assert response.status_code == 400
        page = text_of(response)
        assert EXPIRED in page and "Request a new link" in page
    assert client.get("/").status_code == 302  # not signed in


def test_mismatched_and_short_passwords_show_the_error_summary_and_keep_nothing(app, client, world, mailbox, views):
    world.user("head@example.org")
    path = reset_link(app, client, mailbox)
    mismatched = choose(client, path, password="first-long-password", confirm="second-long-password")
    short = choose(client, path, password="too-short")
    blank = choose(client, path, password="", confirm="")
    for response, message in ((mismatched, "The passwords do not match"),
                              (short, "Enter a password with at least 12 characters"),
                              (blank, "Enter a password with at least 12 characters")):
        assert response.status_code == 200
        page, html = text_of(response), response.get_data(as_text=True)
        assert "There is a problem" in page and message in page
        assert page.strip().startswith("Error: Choose a new password")
        assert 'name="password"' in html and 'name="confirm"' in html
        for typed in ("first-long-password", "second-long-password", "too-short"):
            assert typed not in html
    assert choose(client, path).status_code == 302  # the link still works after mistakes


# --- invitations ---------------------------------------------------------------------

def test_an_invitation_emails_a_set_password_link_that_works_once(app, client, world, sign_in, mailbox, views):
    user_id = invited_user(app)
    invite(app, user_id)
    [(recipients, message)] = mailbox
    assert recipients == ["new.governor@example.org"]
    assert message["Subject"] == "You have been invited to School improvement"
    body = text_part(message)
    assert "Priya Shah (new.governor@example.org)" in body
    assert "portal where schools and the local authority" in body
    assert "works once, for 7 days" in body
    link = link_in(message, "set-password")
    assert link in html_part(message)
    path = path_of(link, app)

    page = client.get(path)
    assert page.status_code == 200 and "Create your password" in text_of(page)
    mismatched = choose(client, path, password="first-long-password", confirm="second-long-password")
    assert "There is a problem" in text_of(mismatched) and "The passwords do not match" in text_of(mismatched)
    assert "first-long-password" not in mismatched.get_data(as_text=True)
    short = choose(client, path, password="short")
    assert "Enter a password with at least 12 characters" in text_of(short)

    response = choose(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your password has been set" in text_of(client.get("/"))
    assert client.get(path).status_code == 400
    client.post("/sign-out")
    sign_in("new.governor@example.org", NEW_PASSWORD)


def test_an_invitation_link_is_not_a_reset_link(app, client, mailbox, views):
    raw_token = invite(app, invited_user(app))
    assert client.get(f"/reset-password/{raw_token}").status_code == 400
    assert client.get(f"/set-password/{raw_token}").status_code == 200


def test_inviting_again_replaces_the_earlier_link(app, client, mailbox, views):
    user_id = invited_user(app)
    first = invite(app, user_id)
    second = invite(app, user_id)
    assert len(mailbox) == 2
    assert client.get(f"/set-password/{first}").status_code == 400
    assert client.get(f"/set-password/{second}").status_code == 200


# --- without an SMTP server ------------------------------------------------------------

def test_without_smtp_host_the_email_is_written_as_an_eml_file(app, client, world, tmp_path, views):
    world.user("head@example.org")
    saved = app.config["SMTP_HOST"], app.config["MAIL_FOLDER"]
    app.config.update(SMTP_HOST="", MAIL_FOLDER=str(tmp_path / "mail"))
    try:
        client.post("/forgot-password", data={"email": "head@example.org"})
    finally:
        app.config["SMTP_HOST"], app.config["MAIL_FOLDER"] = saved
    [written] = list(Path(tmp_path / "mail").glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "head@example.org"
    assert "/reset-password/" in link_in(message, "reset-password")


def test_admin_adds_a_user_without_a_password_and_they_are_invited(app, client, world, sign_in, mailbox):
    from tests.conftest import text_of

    world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    response = client.post("/admin/users/new", data={"name": "New Head", "email": "new.head@example.org", "password": ""},
                           follow_redirects=True)
    assert "sent an invitation to set their password" in text_of(response)
    invitation = next(message for recipients, message in mailbox if "new.head@example.org" in recipients)
    assert "/set-password/" in invitation.get_body(preferencelist=("plain",)).get_content()
