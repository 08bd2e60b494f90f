"""Two-factor sign-in: a six-digit code from an authenticator app (TOTP, RFC 6238) after the password, or one of ten
single-use recovery codes when the phone is lost.

A code is accepted for the 30-second step it belongs to and one step either side (a phone's clock drifts), and only
once: the step of the last code accepted is kept, and a code from that step or an earlier one is refused. Recovery
codes are random, shown once, and only their hashes are kept. Wrong codes count towards the same throttle as wrong
passwords (``portal.auth.throttle``).
"""

import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update

from portal import access, audit
from portal.auth.models import RecoveryCode, TwoFactor, User
from portal.auth.sessions import session_settings
from portal.errors_domain import RuleBroken
from portal.extensions import db

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper is read back right.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10

APP = "authenticator app"
RECOVERY = "recovery code"


def record_of(user: User) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))


def is_on(user: User) -> bool:
    record = record_of(user)
    return record is not None and record.confirmed_at is not None


def is_staff(user: User) -> bool:
    """LA admins and advisers: they see every school's (or many schools') evidence."""
    return access.is_la_admin(user) or access.is_adviser_anywhere(user)


def is_required(user: User) -> bool:
    return session_settings().two_factor_for_staff and is_staff(user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- setting it up ------------------------------------------------------------------------------

def new_secret() -> str:
    """A secret for an app being set up. Kept in the person's session until their app proves it holds it, so an
    abandoned set-up leaves nothing behind."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> bytes:
    """The QR code an authenticator app scans, drawn here as SVG: nothing about the secret leaves the server."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, title="QR code for your authenticator app")
    return buffer.getvalue()


def grouped(secret: str) -> str:
    """The secret in fours, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_set_up(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """The app makes the right code from ``secret``: two-factor is on. Returns the recovery codes, shown once."""
    if is_on(user):
        raise RuleBroken("Two-factor authentication is already on", "code")
    step = _matching_step(secret, code, now)
    if step is None:
        raise RuleBroken("Enter the 6-digit code from your authenticator app" if not (code or "").strip() else
                         "The code is not right. Enter the 6-digit code your app shows now, and check your phone "
                         "sets its time automatically", "code")
    record = record_of(user)
    if record is None:
        record = TwoFactor(user_id=user.id)
        db.session.add(record)
    record.secret, record.created_at, record.confirmed_at, record.last_used_step = secret, now, now, step
    codes = new_recovery_codes(user, now)
    audit.record("auth.two_factor_on", "Two-factor authentication turned on", record_type="user", record_id=user.id,
                 user=user)
    return codes


def new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Ten fresh codes; any earlier ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code), created_at=now) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


# --- checking a code ------------------------------------------------------------------------------

def check(user: User, code: str, now: datetime) -> str:
    """Which second factor the code proves (``APP`` or ``RECOVERY``), using it up; RuleBroken when it proves none."""
    record = record_of(user)
    if record is None or record.confirmed_at is None:
        raise RuleBroken("Two-factor authentication is not on for this account", "code")
    step = _matching_step(record.secret, code, now)
    if step is not None:
        # One statement decides, so two requests racing with the same code cannot both win.
        taken = db.session.execute(
            update(TwoFactor).where(TwoFactor.id == record.id,
                                    or_(TwoFactor.last_used_step.is_(None), TwoFactor.last_used_step < step))
            .values(last_used_step=step).execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            raise RuleBroken("That code has already been used. Wait for your app to show a new code and enter that",
                             "code")
        return APP
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount == 1:
        return RECOVERY
    raise RuleBroken(_wrong_code_message(code), "code")


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _wrong_code_message(code: str) -> str:
    if not (code or "").strip():
        return "Enter the 6-digit code from your authenticator app"
    return "The code is not right. Enter the 6-digit code your authenticator app shows now, or a recovery code"


def _hash(code: str) -> str:
    normalised = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


# --- turning it off ------------------------------------------------------------------------------

def turn_off(user: User):
    """The person turns it off themselves (after proving a code): refused where the LA requires it of them."""
    if is_required(user):
        raise RuleBroken("Your local authority requires two-factor authentication for your role, so it cannot be "
                         "turned off. If you have a new phone, set up your app again from your recovery codes, or ask "
                         "an LA admin to reset it")
    _remove(user)
    audit.record("auth.two_factor_off", "Two-factor authentication turned off", record_type="user", record_id=user.id,
                 user=user)


def reset(user: User):
    """An LA admin resets someone's second factor (a lost phone and no recovery codes): they set it up again."""
    _remove(user)
    audit.record("auth.two_factor_reset", f"Two-factor authentication reset for {user.email}", record_type="user",
                 record_id=user.id)


def _remove(user: User):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record = record_of(user)
    if record is not None:
        db.session.delete(record)
