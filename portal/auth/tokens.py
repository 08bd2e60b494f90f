"""One-use links in emails: an invitation to set a first password, or a password reset.

Only a SHA-256 of each token is stored, so a copy of the database cannot be used to
sign in as anyone. A token works once, until it expires, for an active account only.
"""

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal import clock

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"
LIFETIMES = {INVITATION: timedelta(days=7), PASSWORD_RESET: timedelta(hours=1)}
# secrets.token_urlsafe(32): 32 random bytes as unpadded URL-safe base64 is always 43 characters.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43


class AccountToken(db.Model):
    __tablename__ = "account_token"
    __audited__ = True
    __audit_secret__ = {"token_hash"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")

    @property
    def expired(self) -> bool:
        return _as_utc(self.expires_at) <= clock.now()


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive values; they are UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def issue(user: User, purpose: str) -> str:
    """A new token for ``user``; older unused ones of the same purpose stop working. Returns the raw token."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = clock.now()
    for older in db.session.scalars(select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))):
        older.used_at = now
    raw_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=hash_token(raw_token),
                                created_at=now, expires_at=now + LIFETIMES[purpose]))
    db.session.flush()
    return raw_token


def issued_recently(user: User, purpose: str, within=timedelta(hours=1)) -> int:
    """How many links of this purpose went to ``user`` lately: the forgotten-password page sends at most 3 an hour."""
    return db.session.scalar(select(func.count()).select_from(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.created_at > clock.now() - within)) or 0


def find_usable(raw_token: str, purpose: str) -> AccountToken | None:
    """The token's row when it is known, unused, unexpired and for an active account; otherwise None."""
    if not raw_token or len(raw_token) > 100:
        return None
    row = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == hash_token(raw_token),
                                                       AccountToken.purpose == purpose))
    if row is None or row.used_at is not None or row.expired:
        return None
    if row.user is None or not row.user.active:
        return None
    return row


def redeem(raw_token: str, purpose: str) -> User | None:
    """The person a usable token is for, or None. Does not use the token up: ``use`` does."""
    row = find_usable(raw_token, purpose)
    return row.user if row is not None else None


def use(token_row: AccountToken) -> bool:
    """Use the token up (with every other unused token of its person: a password was just set).

    A conditional UPDATE, so two requests racing with the same link cannot both succeed:
    False when another request used it first.
    """
    now = clock.now()
    claimed = db.session.execute(
        update(AccountToken).where(AccountToken.id == token_row.id, AccountToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    db.session.execute(
        update(AccountToken).where(AccountToken.user_id == token_row.user_id, AccountToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    db.session.expire(token_row, ["used_at"])
    return True
