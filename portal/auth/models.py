"""People who sign in to the portal."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal import clock


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __audited__ = True
    __audit_secret__ = {"password_hash"}
    # A sign-in is its own audit event ("auth.signed_in"); the timestamp is not a change.
    __audit_ignore__ = {"last_signed_in_at", "session_generation"}  # the password change is the event

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_la_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    last_signed_in_at: Mapped[datetime | None]
    # Part of the id kept in the session cookie: a new password bumps it, ending every other session.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    school_roles = relationship("SchoolRole", back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_generation}"

    def __repr__(self):
        return f"<User {self.email}>"


class SignInFailure(db.Model):
    """A failed sign-in, kept for a day so repeated guessing can be slowed down (see ``portal.auth.throttle``)."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class SessionSettings(db.Model):
    """How long a signed-in session may sit unused before it ends: one row, the LA admin's to set."""

    __tablename__ = "session_settings"
    __audited__ = True
    __table_args__ = (CheckConstraint("idle_minutes BETWEEN 5 AND 480", name="idle_minutes_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idle_minutes: Mapped[int] = mapped_column(default=30)
    # LA admins and advisers see every school's evidence: the LA may require a second factor of them.
    two_factor_for_staff: Mapped[bool] = mapped_column(default=False, server_default=false())


class TwoFactor(db.Model):
    """A person's authenticator app: the shared secret, once they have proved their app holds it (``confirmed_at``).

    ``last_used_step`` is the 30-second step of the last code accepted, so a code seen over someone's shoulder (or
    replayed from a log) cannot be used again. Turning it on, off or resetting it are audit events of their own
    (``portal.auth.two_factor``), so the secret never reaches the audit log."""

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(db.Model):
    """One of ten single-use codes shown once when two-factor is set up: the way in when the phone is lost.
    Only a hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    used_at: Mapped[datetime | None]


class KeptForm(db.Model):
    """What someone had typed into a form they sent after their session had ended, kept for a day so that once
    signed in again they can send it again rather than type it all out (``portal.auth.kept_forms``). One per
    person: the latest."""

    __tablename__ = "kept_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    path: Mapped[str] = mapped_column(String(2000))  # where the form was sent: this site's path and query
    fields: Mapped[list] = mapped_column(JSON, default=list)  # [[name, value], ...] in the order sent
    file_names: Mapped[list] = mapped_column(JSON, default=list)  # files chosen, which are not kept
    kept_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
