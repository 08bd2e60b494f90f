"""Pages kept by each process and served again while nothing they could show has changed.

Why: the LA overview, an adviser's home page with forty schools and the moderation page each work out hundreds of
rows; the same person reloads them far more often than the data under them changes. A view wrapped in
``kept_page`` is served from memory when the same person asks for the same address on the same London day and the
data stamp (``portal/data_stamp.py``) has not changed since the page was kept: any committed change, by anyone, in
any worker, changes the stamp, so a kept page is never older than the data.

What may differ between two requests for one kept page is put back on every serving: the CSRF token and the CSP
nonce (placeholders in what is kept). Pages are not kept, nor served from memory, when:
- the request is not a GET, nobody is signed in, or a message is waiting to be shown (it must be shown once);
- the browser asks for a fresh copy (``Cache-Control: no-cache``, as a hard reload sends);
- the answer is not a 200 HTML page.

Only views whose page depends on nothing but the database, the person, the address, the HX-* headers, today's
date and what their ``checked_by`` answers may be wrapped. Memory is bounded (``PAGE_CACHE_MB`` per process, least recently used out first; 0 turns it
off).
"""

import threading
import uuid
from dataclasses import dataclass, field
from functools import wraps

from cachetools import LRUCache
from flask import current_app, g, make_response, request, session
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal import clock, data_stamp
from portal.security import csp_nonce

# Placeholders for what changes with every request; a NUL never appears in a page the portal renders.
_CSRF = f"\x00csrf-{uuid.uuid4().hex}\x00"
_NONCE = f"\x00nonce-{uuid.uuid4().hex}\x00"
_HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-Boosted")


@dataclass(frozen=True)
class KeptPage:
    body: str
    headers: tuple
    status: int = 200

    def __len__(self):
        return len(self.body)


@dataclass
class Store:
    """One process's kept pages and how often they were used (the tests and the README's figures read these)."""

    pages: LRUCache
    lock: threading.Lock = field(default_factory=threading.Lock)
    served: int = 0
    kept: int = 0

    def clear(self):
        with self.lock:
            self.pages.clear()


def init_app(app):
    megabytes = app.config["PAGE_CACHE_MB"]
    app.extensions["page_cache"] = Store(LRUCache(maxsize=max(1, int(megabytes * 1024 * 1024)), getsizeof=len))


def store() -> Store:
    return current_app.extensions["page_cache"]


def kept_page(view=None, *, checked_by=None):
    """Serve the view's page from memory while the data, the person, the address and the day are the same.

    ``checked_by`` (called with the view's arguments on every request, served from memory or not) answers what
    must also be the same: what the page checks outside the database's own changes, such as a stored file's
    SHA-256. ``@kept_page`` or ``@kept_page(checked_by=...)``."""
    if view is None:
        return lambda function: kept_page(function, checked_by=checked_by)

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        if checked_by is not None:
            key += (checked_by(*args, **kwargs),)
        pages = store()
        with pages.lock:
            page = pages.pages.get(key)
            pages.served += page is not None
        if page is not None:
            return _serve(page)
        response = make_response(view(*args, **kwargs))
        page = _keepable(response)
        if page is not None and len(page) < pages.pages.maxsize:
            with pages.lock:
                pages.pages[key] = page
                pages.kept += 1
        return response

    return wrapper


def _key():
    """What a kept page must match, or None when this request may neither use nor keep one."""
    if (request.method != "GET" or not current_app.config["PAGE_CACHE_MB"] or "_flashes" in session
            or not current_user.is_authenticated or request.cache_control.no_cache or "no-cache" in request.pragma):
        return None
    stamp = data_stamp.current()
    if stamp is None:
        return None
    return (stamp, current_user.get_id(), clock.today(), request.endpoint, request.full_path,
            tuple(request.headers.get(name, "") for name in _HTMX_HEADERS))


def _keepable(response):
    if response.status_code != 200 or response.mimetype != "text/html" or response.direct_passthrough:
        return None
    if getattr(request_ctx, "flashes", None):  # the view flashed a message and the page shows it: shown once only
        return None
    body = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(token, _CSRF)
    nonce = g.get("csp_nonce")
    if nonce:
        body = body.replace(nonce, _NONCE)
    headers = tuple((name, value) for name, value in response.headers.items() if name.lower() != "content-length")
    return KeptPage(body=body, headers=headers)


def _serve(page):
    body = page.body
    if _CSRF in body:
        body = body.replace(_CSRF, generate_csrf())
    if _NONCE in body:
        body = body.replace(_NONCE, csp_nonce())
    return current_app.response_class(body, status=page.status, headers=list(page.headers))
