"""The test OpenID Connect provider (tests/oidc_provider.py) works on its own, without the portal.

The authorize URL and the token request are Authlib's OAuth2Session (as the portal's client will be); the ID token is
checked with joserfc against the provider's JWKS.
"""

import secrets
import shutil
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import ExpiredTokenError
from joserfc.jwk import KeySet

from tests.oidc_provider import OidcProviderError, sign_in_at_provider, start_oidc_provider
from tests.servers import real_clock_only

pytestmark = [pytest.mark.skipif(shutil.which("node") is None,
                                 reason="node is not on PATH: the test OpenID Connect provider cannot run"),
              real_clock_only]

REDIRECT_URI = "http://127.0.0.1:9/sso/callback"  # never requested: sign_in_at_provider stops before it
HEAD = {"sub": "head-1", "email": "head@school.example", "email_verified": True, "name": "Hilary Head"}


def plain_session():
    session = requests.Session()
    session.trust_env = False
    return session


def discover(provider):
    with plain_session() as http:
        return http.get(provider.discovery_url, timeout=5).json()


def client_session(provider, **kwargs):
    session = OAuth2Session(provider.client_id, provider.client_secret, scope="openid email profile",
                            redirect_uri=REDIRECT_URI, **kwargs)
    session.trust_env = False
    return session


def sign_in_and_get_tokens(provider, login, *, pkce=True, auth_method="client_secret_basic", browser=None):
    metadata = discover(provider)
    nonce = secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48) if pkce else None
    client = client_session(provider, token_endpoint_auth_method=auth_method,
                            **({"code_challenge_method": "S256"} if pkce else {}))
    authorize_url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, **({"code_verifier": verifier} if pkce else {}))
    final_url = sign_in_at_provider(browser or plain_session(), authorize_url, login)
    params = parse_qs(urlsplit(final_url).query)
    assert final_url.startswith(REDIRECT_URI + "?")
    assert params["state"] == [state]
    assert params["iss"] == [provider.issuer]
    token = client.fetch_token(metadata["token_endpoint"], authorization_response=final_url,
                               **({"code_verifier": verifier} if pkce else {}))
    return token, nonce, metadata


def verified_id_token_claims(provider, metadata, id_token, nonce):
    with plain_session() as http:
        jwks = KeySet.import_key_set(http.get(metadata["jwks_uri"], timeout=5).json())
    decoded = jwt.decode(id_token, jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(decoded.claims)
    return decoded.header, decoded.claims


def test_sign_in_token_exchange_and_id_token(tmp_path):
    other = {"sub": "teacher-2", "email": "teacher@school.example", "email_verified": False, "name": "Terry"}
    with start_oidc_provider(tmp_path, redirect_uris=[REDIRECT_URI], accounts=[HEAD, other]) as provider:
        assert provider.issuer == f"http://127.0.0.1:{provider.port}"
        metadata = discover(provider)
        assert metadata["issuer"] == provider.issuer
        assert "S256" in metadata["code_challenge_methods_supported"]
        assert {"client_secret_basic", "client_secret_post"} <= set(metadata["token_endpoint_auth_methods_supported"])

        # By email (any case), with PKCE and client_secret_basic.
        browser = plain_session()
        token, nonce, metadata = sign_in_and_get_tokens(provider, "Head@School.example", browser=browser)
        header, claims = verified_id_token_claims(provider, metadata, token["id_token"], nonce)
        assert claims["sub"] == "head-1"
        assert claims["email"] == "head@school.example"
        assert claims["email_verified"] is True
        assert claims["name"] == "Hilary Head"
        assert claims["exp"] - claims["iat"] == 3600
        assert abs(claims["iat"] - time.time()) < 60

        # Signed in at the provider already: straight back with a code, no form.
        token, nonce, metadata = sign_in_and_get_tokens(provider, "not asked", browser=browser)
        assert verified_id_token_claims(provider, metadata, token["id_token"], nonce)[1]["sub"] == "head-1"

        # By sub, without PKCE, with client_secret_post.
        token, nonce, metadata = sign_in_and_get_tokens(provider, "teacher-2", pkce=False,
                                                        auth_method="client_secret_post")
        _, claims = verified_id_token_claims(provider, metadata, token["id_token"], nonce)
        assert (claims["sub"], claims["email"], claims["email_verified"]) == ("teacher-2", "teacher@school.example",
                                                                              False)

        # An unknown login gets the form again with an error, and no code.
        client = client_session(provider)
        authorize_url, _ = client.create_authorization_url(metadata["authorization_endpoint"], nonce="n")
        with plain_session() as browser, pytest.raises(OidcProviderError, match="Unknown email address"):
            sign_in_at_provider(browser, authorize_url, "nobody@school.example")

        # Down: the discovery URL refuses connections. Back on the same port, signing with the same key.
        provider.stop()
        with plain_session() as http, pytest.raises(requests.ConnectionError):
            http.get(provider.discovery_url, timeout=5)
        provider.start()
        token, nonce, metadata = sign_in_and_get_tokens(provider, "head-1")
        header_after, claims = verified_id_token_claims(provider, metadata, token["id_token"], nonce)
        assert claims["email"] == "head@school.example"
        assert header_after["kid"] == header["kid"]
    with plain_session() as http, pytest.raises(requests.ConnectionError):
        http.get(provider.discovery_url, timeout=5)


def test_id_token_from_a_provider_whose_clock_is_behind_is_already_expired(tmp_path):
    with start_oidc_provider(tmp_path, redirect_uris=[REDIRECT_URI], accounts=[HEAD], id_token_ttl=60,
                             clock_offset=-600) as provider:
        token, nonce, metadata = sign_in_and_get_tokens(provider, "head@school.example")
        with plain_session() as http:
            jwks = KeySet.import_key_set(http.get(metadata["jwks_uri"], timeout=5).json())
    claims = jwt.decode(token["id_token"], jwks, algorithms=["RS256"]).claims
    assert claims["exp"] - claims["iat"] == 60
    assert claims["nonce"] == nonce
    with pytest.raises(ExpiredTokenError):  # even with Authlib's default leeway of 120 s
        jwt.JWTClaimsRegistry(leeway=120, exp={"essential": True}).validate(claims)
