"""A person who has left is anonymised (UK GDPR, article 17): their account no longer says who they were and can
never be signed in to, while every record they took part in stays as it was.

Their name and email are replaced, their password, second factor, single sign-on links, roles, stars and unused links removed, and their sessions
ended. Confirmed minutes, verification decisions and the rest keep pointing at the same (now anonymous) account,
and their digests still match: a digest covers what was confirmed, never a person's name from the account. The
audit log is append-only and keeps what it recorded at the time (who did what is the council's legal record);
the anonymisation itself is logged without the old name or email, which the change is made around the row audit
so as not to copy into the log afresh."""

from sqlalchemy import delete, select, update

from portal import audit
from portal.auth.models import RecoveryCode, TwoFactor, User
from portal.errors_domain import RuleBroken
from portal.extensions import db

ANONYMOUS_DOMAIN = "anonymised.invalid"  # .invalid never receives email (RFC 2606)


def anonymous_email(user_id: int) -> str:
    return f"former-user-{user_id}@{ANONYMOUS_DOMAIN}"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMOUS_DOMAIN)


def anonymise(user: User, acting_user: User):
    """Replace who ``user`` was with "Former user N"; refuse for oneself and for an account already anonymised."""
    from portal.auth.tokens import AccountToken
    from portal.reminders.models import MessageStatus, OutboxMessage
    from portal.schools.models import SchoolRole, SchoolStar
    from portal.sso.models import SsoLink

    if user.id == acting_user.id:
        raise RuleBroken("You cannot anonymise your own account: ask another LA admin")
    if is_anonymised(user):
        raise RuleBroken(f"{user.name} has already been anonymised")
    user_id = user.id
    # A bulk update, not a change to the loaded row: the row audit would copy the old name and email into the log.
    db.session.execute(update(User).where(User.id == user_id).values(
        name=f"Former user {user_id}", email=anonymous_email(user_id), password_hash=None, active=False,
        is_la_admin=False, session_generation=User.session_generation + 1), execution_options={"synchronize_session": False})
    db.session.execute(delete(SchoolRole).where(SchoolRole.user_id == user_id))
    db.session.execute(delete(SchoolStar).where(SchoolStar.user_id == user_id))
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user_id, AccountToken.used_at.is_(None)))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user_id))
    db.session.execute(delete(SsoLink).where(SsoLink.user_id == user_id))
    # Emails not yet sent to them will not be: the address is gone.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.recipient_user_id == user_id,
                                                   OutboxMessage.status == MessageStatus.QUEUED)
                       .values(status=MessageStatus.CANCELLED))
    db.session.expire(user)
    audit.record("admin.anonymised", f"Anonymised former user {user_id}: name, email, password and roles removed",
                 record_type="user", record_id=user_id)
    return db.session.scalar(select(User).where(User.id == user_id))
