"""Which identity providers the LA trusts, which account a provider's answer belongs to, and whose passwords are
switched off."""

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portal import audit
from portal.auth.models import User
from portal.auth.rules import find_user_by_email, normalise_email
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.sso.models import IdentityProvider, SsoLink
from portal.sso.oidc import SignInProblem

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def all_providers():
    return db.session.scalars(select(IdentityProvider).order_by(IdentityProvider.name)).all()


def providers_for_sign_in():
    return db.session.scalars(select(IdentityProvider).where(IdentityProvider.active.is_(True))
                              .order_by(IdentityProvider.name)).all()


def _domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def provider_instead_of_password(email: str, providers=None) -> IdentityProvider | None:
    """The provider people on this email's domain must use, where the LA has switched their passwords off
    (``providers``: those offered on the sign-in page, when the caller has them already)."""
    domain = _domain(email)
    return next((provider for provider in (providers if providers is not None else providers_for_sign_in())
                 if provider.passwords_off and domain in provider.domains), None)


def save_provider(provider, *, name, issuer, client_id, client_secret, email_domains, passwords_off, active):
    """Add or change a provider; a blank secret on a change keeps the one saved."""
    name, issuer, client_id = (name or "").strip(), (issuer or "").strip(), (client_id or "").strip()
    if not name:
        raise RuleBroken("Enter the name on the button, like Microsoft", "name")
    clash = db.session.scalar(select(IdentityProvider).where(func.lower(IdentityProvider.name) == name.lower()))
    if clash is not None and clash is not provider:
        raise RuleBroken(f"There is already a provider called {name}", "name")
    parts = urlsplit(issuer)
    if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)) or not parts.netloc:
        raise RuleBroken("Enter the issuer as an https address, like https://login.microsoftonline.com/<tenant id>/v2.0",
                         "issuer")
    if not client_id:
        raise RuleBroken("Enter the client id (application id) the provider gave the portal", "client_id")
    if provider is None and not (client_secret or "").strip():
        raise RuleBroken("Enter the client secret the provider gave the portal", "client_secret")
    domains = " ".join(part.strip().lstrip("@").lower() for part in (email_domains or "").replace(",", " ").split())
    if any("." not in domain or "@" in domain for domain in domains.split()):
        raise RuleBroken("Enter email domains like council.gov.uk or school.sch.uk, separated by commas", "email_domains")
    if passwords_off and not domains:
        raise RuleBroken("Name the email domains whose passwords are switched off", "email_domains")
    if provider is None:
        provider = IdentityProvider()
        db.session.add(provider)
    provider.name, provider.issuer, provider.client_id = name, issuer, client_id
    if (client_secret or "").strip():
        provider.client_secret = client_secret.strip()
    provider.email_domains, provider.passwords_off, provider.active = domains, bool(passwords_off), bool(active)
    return provider


def account_for(provider: IdentityProvider, identity: dict, now: datetime) -> User:
    """The active account ``identity`` (checked claims) signs in to; SignInProblem when there is none.

    The provider's subject id decides once linked; before that the verified email must match an account on one of
    the provider's domains, and the link is made."""
    link = db.session.scalar(select(SsoLink).where(SsoLink.provider_id == provider.id,
                                                   SsoLink.subject == identity["sub"]))
    email = identity["email"]
    if link is not None:
        user = db.session.get(User, link.user_id)
    else:
        if provider.domains and _domain(email) not in provider.domains:
            raise SignInProblem(f"{email} is not on an email domain that {provider.name} sign-in is set up for. Sign "
                                "in with your email address and password, or ask an LA admin",
                                detail=f"{email}: domain not served by this provider")
        user = find_user_by_email(email)
        if user is None:
            raise SignInProblem(f"There is no account for {email}. Accounts are made by your local authority's school "
                                "improvement team: ask them to add you", detail=f"{email}: no account")
    if not user.active:
        raise SignInProblem("Your account has been deactivated. If you still need it, ask your local authority's school "
                            "improvement team", detail=f"user {user.id}: account deactivated")
    if link is None:
        other = db.session.scalar(select(SsoLink).where(SsoLink.provider_id == provider.id, SsoLink.user_id == user.id))
        if other is not None:
            raise SignInProblem(f"This account is linked to a different {provider.name} account. Ask an LA admin",
                                detail=f"user {user.id}: already linked to another subject")
        link = SsoLink(provider_id=provider.id, user_id=user.id, subject=identity["sub"], linked_at=now)
        db.session.add(link)
        audit.record("auth.sso_linked", f"Linked to {provider.name} at first single sign-on", record_type="user",
                     record_id=user.id, user=user, changes={"provider": provider.name})
    link.last_used_at = now
    return user


def record_failure(provider: IdentityProvider, problem: SignInProblem):
    """After the failed attempt's writes are rolled back: what went wrong, for the LA's audit log (never a token)."""
    audit.record("auth.sso_failed", f"Single sign-on through {provider.name} failed",
                 changes={"provider": provider.name, "reason": problem.message[:300], "detail": problem.detail[:500]})
