"""Response headers, a per-request CSP nonce, and a session cookie that is Secure over HTTPS."""

import secrets

from flask import g, request
from flask.sessions import SecureCookieSessionInterface


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def set_security_headers(response):
    """Runs after every view's own hooks (an app-level ``after_request`` runs last), so it must not undo them: a
    response that already carries its own Content-Security-Policy keeps it (a download's ``sandbox``, a chart's SVG
    with its own ``<style>``: portal/charts.py). Every page gets the strict policy below."""
    nonce = csp_nonce()
    response.headers.setdefault("Content-Security-Policy", (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app):
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
