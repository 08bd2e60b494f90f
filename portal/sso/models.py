"""Identity providers the LA trusts, and which account each provider's subject id belongs to."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.extensions import db


class IdentityProvider(db.Model):
    """An OpenID Connect provider: its issuer, the portal's client id and secret there, and the email domains it
    serves (one per line or separated by commas or spaces)."""

    __tablename__ = "identity_provider"
    __audited__ = True
    __audit_secret__ = {"client_secret"}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # "Microsoft": the button says "Sign in with Microsoft"
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[str] = mapped_column(String(500))
    email_domains: Mapped[str] = mapped_column(Text, default="")
    # People on these domains sign in only through this provider: their passwords are not accepted.
    passwords_off: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def domains(self) -> list[str]:
        return sorted({part.strip().lstrip("@").lower() for part in self.email_domains.replace(",", " ").split()
                       if part.strip()})


class SsoLink(db.Model):
    """This account is the provider's subject ``subject``: made at the first single sign-on, matched ever after."""

    __tablename__ = "sso_link"
    __audited__ = True
    __audit_ignore__ = {"last_used_at"}  # a sign-in is its own event
    __table_args__ = (UniqueConstraint("provider_id", "subject", name="uq_sso_link_provider_subject"),
                      UniqueConstraint("provider_id", "user_id", name="uq_sso_link_provider_user"))

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_provider.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None]

    provider = relationship(IdentityProvider)
