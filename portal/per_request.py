"""One answer per request to what many parts of one page ask for.

A home page has a dozen panels, and most of them want the LA's deadline settings, its closure days, the half term
of today and the roles of the person signed in. Asking the database each time made the number of statements
behind a page grow with the panels on it. Functions wrapped in ``per_request`` are asked once per request; the
memo is dropped when the session flushes a change to any model the function reads, so a request that changes a
setting and reads it back sees the change. Outside a request (the scheduler, the CLI, tests of the rules) nothing
is remembered.
"""

from functools import wraps
from itertools import chain

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

KEY = "_per_request_memo"
_watched: set[type] = set()


def per_request(*models):
    """Remember the function's answer for the rest of the request; forget it when a row of ``models`` changes.

    Arguments must be hashable (pass ids, not ORM objects)."""

    def decorator(function):
        watch(*models)

        @wraps(function)
        def wrapper(*args):
            if not has_request_context():
                return function(*args)
            memo = g.setdefault(KEY, {})
            key = (function.__module__, function.__qualname__, args)
            if key not in memo:
                memo[key] = function(*args)
            return memo[key]

        return wrapper

    return decorator


def remember(function, args: tuple, answer):
    """Record what ``function(*args)`` answers, found by a query that ran anyway (the user loader's)."""
    if has_request_context():
        g.setdefault(KEY, {})[(function.__module__, function.__qualname__, tuple(args))] = answer


def watch(*models):
    """Forget this request's memo when a row of ``models`` changes."""
    _watched.update(models)


def forget():
    """Drop everything remembered in this request."""
    if has_request_context():
        g.pop(KEY, None)


@event.listens_for(Session, "before_flush")
def _forget_on_change(session, flush_context, instances):
    if not has_request_context() or KEY not in g:
        return
    watched = tuple(_watched)
    if any(isinstance(obj, watched) for obj in chain(session.new, session.dirty, session.deleted)):
        forget()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    """Remembered rows may have been rolled back with the rest."""
    forget()
