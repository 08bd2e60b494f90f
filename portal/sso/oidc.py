"""OpenID Connect, authorization code flow with PKCE: Authlib makes the authorization request and exchanges the
code; joserfc checks the ID token (signature against the provider's published keys, issuer, audience, expiry,
nonce). Every failure is a ``SignInProblem`` whose message a person can act on; nothing here signs anyone in."""

import secrets
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from portal.sso.models import IdentityProvider

SCOPE = "openid email profile"
TIMEOUT_SECONDS = 10
LEEWAY_SECONDS = 60  # clocks on two servers differ a little
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class SignInProblem(Exception):
    """Why a single sign-on did not sign anyone in, in words for the person (``status``: the page's HTTP status)."""

    def __init__(self, message: str, status: int = 400, detail: str = ""):
        super().__init__(message)
        self.message, self.status, self.detail = message, status, detail


def _get_json(provider: IdentityProvider, url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInProblem(f"{provider.name} sign-in is not answering just now. Try again in a few minutes, or sign "
                            "in with your email address and password", 502, detail=str(error)) from error


def discover(provider: IdentityProvider) -> dict:
    """The provider's published endpoints, checked to be the issuer the LA admin named."""
    metadata = _get_json(provider, provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        raise SignInProblem(f"{provider.name} sign-in is set up with the wrong issuer address. Ask an LA admin to "
                            "check it under Users, Single sign-on", 502,
                            detail=f"discovery says issuer {metadata.get('issuer')!r}")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(key)]
    if missing:
        raise SignInProblem(f"{provider.name} sign-in is not set up properly. Ask an LA admin to check it", 502,
                            detail=f"discovery lacks {', '.join(missing)}")
    return metadata


def _client(provider: IdentityProvider, redirect_uri: str, **kwargs) -> OAuth2Session:
    return OAuth2Session(provider.client_id, provider.client_secret, scope=SCOPE, redirect_uri=redirect_uri,
                         code_challenge_method="S256", timeout=TIMEOUT_SECONDS, **kwargs)


def start(provider: IdentityProvider, redirect_uri: str, now: datetime) -> tuple[str, dict]:
    """The address to send the person to, and what to keep in their session until they come back."""
    metadata = discover(provider)
    held = {"provider_id": provider.id, "state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
            "verifier": secrets.token_urlsafe(64), "at": now.timestamp()}
    url, _ = _client(provider, redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"], state=held["state"], nonce=held["nonce"], code_verifier=held["verifier"])
    return url, held


def finish(provider: IdentityProvider, held: dict, callback_url: str, redirect_uri: str, now: datetime) -> dict:
    """The person's verified identity ({"sub", "email", "name"}) from the provider's answer at ``callback_url``."""
    answer = {key: values[0] for key, values in parse_qs(urlsplit(callback_url).query).items()}
    if answer.get("error"):
        reason = answer.get("error_description") or answer["error"].replace("_", " ")
        raise SignInProblem(f"{provider.name} did not sign you in ({reason}). Try again, or sign in with your email "
                            "address and password")
    if not answer.get("state") or not secrets.compare_digest(answer["state"], held.get("state", "")):
        raise SignInProblem("This sign-in could not be checked: it may have been started in another tab or window. "
                            "Start again", detail="state does not match")
    if not answer.get("code"):
        raise SignInProblem(f"{provider.name} did not say who you are. Start again", detail="no code")
    metadata = discover(provider)
    try:
        token = _client(provider, redirect_uri, state=held["state"]).fetch_token(
            metadata["token_endpoint"], authorization_response=callback_url, code_verifier=held["verifier"])
    except (OAuthError, requests.RequestException, ValueError) as error:
        raise SignInProblem(f"{provider.name} did not confirm the sign-in. Start again", 502, detail=str(error)) from error
    if not token.get("id_token"):
        raise SignInProblem(f"{provider.name} did not say who you are. Start again", 502, detail="no id_token")
    return _checked_claims(provider, metadata, token["id_token"], held["nonce"], now)


def _checked_claims(provider, metadata, id_token, nonce, now) -> dict:
    keys = KeySet.import_key_set(_get_json(provider, metadata["jwks_uri"]))
    cannot_check = f"The sign-in from {provider.name} could not be checked, so you have not been signed in. Start again"
    try:
        claims = jwt.decode(id_token, keys, algorithms=ALGORITHMS).claims
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()), leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata["issuer"]}, aud={"essential": True, "value": provider.client_id},
            sub={"essential": True}, exp={"essential": True}, nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except ExpiredTokenError as error:
        raise SignInProblem(f"The sign-in from {provider.name} had expired. Start again", detail=str(error)) from error
    except (InvalidClaimError, MissingClaimError) as error:
        raise SignInProblem(cannot_check, detail=f"ID token claim: {error}") from error
    except (JoseError, ValueError) as error:
        raise SignInProblem(cannot_check, detail=f"ID token: {error}") from error
    email = claims.get("email")
    if not email:
        raise SignInProblem(f"{provider.name} did not share your email address, so the portal cannot tell which "
                            "account is yours. Ask an LA admin")
    if claims.get("email_verified") is False:
        raise SignInProblem(f"{provider.name} has not verified your email address, so it cannot be used to sign in")
    return {"sub": claims["sub"], "email": email, "name": claims.get("name") or ""}
