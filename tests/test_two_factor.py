"""Two-factor sign-in: setting up an authenticator app, codes after the password, recovery codes, the LA's rule for
staff, the LA admin's reset, and throttling. The clock is pinned, so the codes a test computes are the portal's."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal import clock
from portal.audit import AuditEvent
from portal.auth import two_factor
from portal.auth.models import RecoveryCode, TwoFactor, User
from portal.extensions import db
from portal.schools.models import Role
from tests.conftest import PASSWORD, text_of


@pytest.fixture
def people(world):
    school = world.school("Brookside Primary School")
    return {"head": world.user("head@example.org", roles=[(school, Role.HEADTEACHER)]),
            "adviser": world.user("adviser@example.org", roles=[(school, Role.ADVISER)]),
            "admin": world.user("admin@example.org", is_la_admin=True)}


def _code(secret, moment=None):
    return pyotp.TOTP(secret).at(moment or clock.now())


def _password(client, email):
    client.delete_cookie("session")
    return client.post("/sign-in", data={"email": email, "password": PASSWORD})


def _set_up_from_profile(client):
    """Through the pages, as a person would: read the key off the page, type the app's code. Returns (secret, codes)."""
    page = client.get("/profile/two-factor/set-up")
    secret = re.search(r'<code class="portal-digest">([A-Z2-7 ]+)</code>', page.get_data(as_text=True)).group(1).replace(" ", "")
    done = client.post("/profile/two-factor/set-up", data={"code": _code(secret)})
    assert done.status_code == 200 and "Two-factor authentication is on" in text_of(done)
    return secret, re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(as_text=True))


def _actions(app, user_id):
    with app.app_context():
        return [(event.action, event.changes) for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_id == user_id, AuditEvent.action.like("auth.%")).order_by(AuditEvent.id))]


def test_anyone_sets_it_up_from_their_profile_and_then_signs_in_with_a_code(app, client, sign_in, people, travel):
    sign_in("head@example.org")
    assert "Set up" in text_of(client.get("/profile")) and "Off" in text_of(client.get("/profile/two-factor"))
    page = client.get("/profile/two-factor/set-up")
    assert "Scan this QR code" in text_of(page)
    qr = client.get("/two-factor/qr-code.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert qr.headers["Cache-Control"] == "no-store"

    refused = client.post("/profile/two-factor/set-up", data={"code": "12345x"})
    assert "There is a problem" in text_of(refused) and "The code is not right" in text_of(refused)
    assert 'value="12345x"' in refused.get_data(as_text=True)  # what was typed stays
    secret, codes = _set_up_from_profile(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "On" in text_of(client.get("/profile")) and "10 unused recovery codes" in text_of(client.get("/profile/two-factor"))
    with app.app_context():
        stored = db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == people["head"]))
        assert stored.secret == secret and stored.confirmed_at is not None
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not any(code.replace("-", "") in hashes for code in codes)  # only hashes kept

    client.post("/sign-out")
    asked = _password(client, "head@example.org")
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/sign-in/code")
    assert client.get("/").status_code == 302  # not signed in until the code is right
    wrong = client.post("/sign-in/code", data={"code": "000000" if _code(secret) != "000000" else "111111"})
    assert "The code is not right" in text_of(wrong) and client.get("/").status_code == 302
    # The code that confirmed the set-up was used once already: a second use is refused.
    reused = client.post("/sign-in/code", data={"code": _code(secret)})
    assert "That code has already been used" in text_of(reused)
    travel(clock.now() + timedelta(seconds=30))
    signed = client.post("/sign-in/code", data={"code": _code(secret)})
    assert signed.status_code == 302 and client.get("/").status_code == 200
    assert ("auth.signed_in", {"method": "password", "second_factor": "authenticator app"}) in _actions(app, people["head"])
    assert ("auth.second_factor_failed", None) in _actions(app, people["head"])


def test_a_recovery_code_works_once_and_new_ones_replace_the_old(app, client, sign_in, people, travel):
    sign_in("head@example.org")
    secret, codes = _set_up_from_profile(client)
    client.post("/sign-out")
    _password(client, "head@example.org")
    used = client.post("/sign-in/code", data={"code": codes[0].upper()}, follow_redirects=True)
    assert "You used a recovery code" in text_of(used) and "You have 9 left" in text_of(used)
    client.post("/sign-out")
    _password(client, "head@example.org")
    assert "The code is not right" in text_of(client.post("/sign-in/code", data={"code": codes[0]}))
    travel(clock.now() + timedelta(seconds=30))
    client.post("/sign-in/code", data={"code": _code(secret)})
    assert ("auth.signed_in", {"method": "password", "second_factor": "recovery code"}) in _actions(app, people["head"])

    # New codes need a code from the app (not a recovery code); the old codes stop working.
    refused = client.post("/profile/two-factor/recovery-codes", data={"new-codes-code": codes[1]})
    assert "Enter a code from your authenticator app, not a recovery code" in text_of(refused)
    travel(clock.now() + timedelta(seconds=30))
    fresh = client.post("/profile/two-factor/recovery-codes", data={"new-codes-code": _code(secret)})
    assert "Save your new recovery codes" in text_of(fresh)
    client.post("/sign-out")
    _password(client, "head@example.org")
    assert "The code is not right" in text_of(client.post("/sign-in/code", data={"code": codes[2]}))


def test_the_la_can_require_it_of_staff_who_then_set_it_up_to_sign_in(app, client, sign_in, people, travel):
    sign_in("admin@example.org")
    page = client.get("/admin/sign-in-sessions")
    assert "Require two-factor authentication for LA admins and advisers" in text_of(page)
    saved = client.post("/admin/sign-in-sessions", data={"idle_minutes": "30", "two_factor_for_staff": "y"},
                        follow_redirects=True)
    assert "LA admins and advisers use two-factor authentication" in text_of(saved)

    asked = _password(client, "adviser@example.org")
    assert asked.headers["Location"].endswith("/sign-in/set-up-two-factor")
    assert client.get("/").status_code == 302
    page = client.get("/sign-in/set-up-two-factor")
    assert "Your local authority asks everyone in your role" in text_of(page)
    assert client.get("/two-factor/qr-code.svg").status_code == 200
    secret = re.search(r'<code class="portal-digest">([A-Z2-7 ]+)</code>', page.get_data(as_text=True)).group(1).replace(" ", "")
    done = client.post("/sign-in/set-up-two-factor", data={"code": _code(secret)})
    assert "Save your recovery codes" in text_of(done) and client.get("/").status_code == 200
    # Required: it cannot be turned off.
    assert "cannot be turned off" in text_of(client.get("/profile/two-factor"))
    travel(clock.now() + timedelta(seconds=30))
    refused = client.post("/profile/two-factor/turn-off", data={"turn-off-code": _code(secret)})
    assert "requires two-factor authentication for your role" in text_of(refused)
    with app.app_context():
        assert two_factor.is_on(db.session.get(User, people["adviser"]))

    # A headteacher is not staff: the rule does not reach them.
    assert _password(client, "head@example.org").headers["Location"].endswith("/")


def test_turning_it_off_needs_a_code_and_is_audited(app, client, sign_in, people, travel):
    sign_in("head@example.org")
    secret, _ = _set_up_from_profile(client)
    refused = client.post("/profile/two-factor/turn-off", data={"turn-off-code": ""})
    assert "Enter the 6-digit code from your authenticator app" in text_of(refused)
    travel(clock.now() + timedelta(seconds=30))
    off = client.post("/profile/two-factor/turn-off", data={"turn-off-code": _code(secret)}, follow_redirects=True)
    assert "Two-factor authentication is off" in text_of(off)
    actions = [action for action, _ in _actions(app, people["head"])]
    assert "auth.two_factor_on" in actions and "auth.two_factor_off" in actions
    assert _password(client, "head@example.org").headers["Location"].endswith("/")


def test_wrong_codes_are_throttled_like_passwords(app, client, sign_in, people):
    sign_in("head@example.org")
    secret, _ = _set_up_from_profile(client)
    client.post("/sign-out")
    _password(client, "head@example.org")
    wrong = "000000" if _code(secret) != "000000" else "111111"
    for _ in range(5):
        client.post("/sign-in/code", data={"code": wrong})
    refused = client.post("/sign-in/code", data={"code": _code(secret, clock.now() + timedelta(seconds=30))})
    assert refused.status_code == 429 and "too many attempts" in text_of(refused)
    assert client.get("/").status_code == 302


def test_the_la_admin_resets_a_lost_phone(app, client, sign_in, people):
    sign_in("head@example.org")
    _set_up_from_profile(client)
    sign_in("admin@example.org")
    page = client.get(f"/admin/users/{people['head']}")
    assert "enters a code from an authenticator app" in text_of(page)
    done = client.post(f"/admin/users/{people['head']}/two-factor/reset", follow_redirects=True)
    assert "Two-factor authentication reset for" in text_of(done)
    with app.app_context():
        assert db.session.scalar(select(TwoFactor)) is None and db.session.scalar(select(RecoveryCode)) is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.two_factor_reset"))
        assert event.actor == "admin@example.org" and event.record_id == people["head"]
    assert _password(client, "head@example.org").headers["Location"].endswith("/")
    sign_in("head@example.org")
    assert client.post(f"/admin/users/{people['head']}/two-factor/reset").status_code == 403


def test_part_way_through_signing_in_lasts_ten_minutes(app, client, sign_in, people, travel):
    sign_in("head@example.org")
    secret, _ = _set_up_from_profile(client)
    client.post("/sign-out")
    _password(client, "head@example.org")
    travel(clock.now() + timedelta(minutes=11))
    late = client.post("/sign-in/code", data={"code": _code(secret)}, follow_redirects=True)
    assert "Sign in again" in text_of(late) and client.get("/").status_code == 302
    assert client.get("/sign-in/code").status_code == 302
    assert client.get("/two-factor/qr-code.svg").status_code == 404  # nothing being set up, nobody signed in


def test_a_password_reset_link_still_asks_for_the_code(app, client, sign_in, people):
    from portal.auth import tokens

    sign_in("head@example.org")
    _set_up_from_profile(client)
    client.post("/sign-out")
    with app.app_context():
        raw = tokens.issue(db.session.get(User, people["head"]), tokens.PASSWORD_RESET)
        db.session.commit()
    changed = client.post(f"/reset-password/{raw}", data={"password": "a new long password 1", "confirm": "a new long password 1"})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/sign-in/code")
    assert client.get("/").status_code == 302


def test_codes_from_a_step_either_side_count_and_older_ones_do_not(ctx, world):
    user = db.session.get(User, world.user("someone@example.org"))
    secret = two_factor.new_secret()
    now = clock.now()
    two_factor.confirm_set_up(user, secret, _code(secret, now - timedelta(seconds=30)), now)  # a slow phone
    with pytest.raises(Exception, match="not right"):
        two_factor.check(user, _code(secret, now - timedelta(seconds=90)), now)
    assert two_factor.check(user, _code(secret, now + timedelta(seconds=30)), now) == two_factor.APP  # a fast one
    with pytest.raises(Exception, match="already been used"):
        two_factor.check(user, _code(secret, now), now)  # earlier than the last code accepted


def test_subject_access_leaves_the_secret_out_and_anonymising_removes_it(app, client, sign_in, people):
    import io
    import json
    import zipfile

    from portal.admin.anonymise import anonymise

    sign_in("head@example.org")
    secret, _ = _set_up_from_profile(client)
    sign_in("admin@example.org")
    archive = zipfile.ZipFile(io.BytesIO(client.post(f"/admin/users/{people['head']}/subject-access").data))
    (held,) = json.loads(archive.read("two_factor.json"))
    assert held["confirmed_at"] and "secret" not in held and secret not in archive.read("two_factor.json").decode()
    assert len(json.loads(archive.read("recovery_code.json"))) == 10
    assert "code_hash" not in archive.read("recovery_code.json").decode()
    with app.app_context():
        anonymise(db.session.get(User, people["head"]), db.session.get(User, people["admin"]))
        db.session.commit()
        assert db.session.scalar(select(TwoFactor)) is None and db.session.scalar(select(RecoveryCode)) is None
