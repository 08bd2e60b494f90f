"""Slowing down password guessing without locking anyone out for good.

Failed sign-ins are kept for a day. Five failures for one email address in 15 minutes, or thirty
from one network address, refuse further attempts for the rest of the window, whatever the password;
the person can wait or reset their password. Stored in the database, so every web worker agrees.
"""

from datetime import timedelta

from sqlalchemy import delete, func, select

from portal.auth.models import SignInFailure
from portal.auth.rules import normalise_email
from portal.extensions import db
from portal import clock

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 30
KEEP = timedelta(days=1)


def _count(column, value, now):
    return db.session.scalar(select(func.count()).select_from(SignInFailure)
                             .where(column == value, SignInFailure.at > now - WINDOW)) or 0


def is_throttled(email: str, address: str, now=None) -> bool:
    now = now or clock.now()
    return (_count(SignInFailure.email, normalise_email(email), now) >= PER_ACCOUNT
            or _count(SignInFailure.address, address or "", now) >= PER_ADDRESS)


def record_refusal(email: str, address: str):
    """The audit entry for an attempt refused while throttled (a password or a second-factor code)."""
    from portal import audit

    audit.record("auth.sign_in_throttled", "Sign-in refused: too many failed attempts",
                 changes={"email": normalise_email(email)[:254], "address": address})


def record_failure(email: str, address: str, now=None):
    db.session.add(SignInFailure(email=normalise_email(email)[:254], address=(address or "")[:64], at=now or clock.now()))


def forget_old(now=None) -> int:
    """For the scheduler: failures older than a day are no longer needed."""
    result = db.session.execute(delete(SignInFailure).where(SignInFailure.at < (now or clock.now()) - KEEP))
    return result.rowcount or 0
