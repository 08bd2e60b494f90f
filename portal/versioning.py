"""Versioned data the LA admin maintains (self-evaluation frameworks, category schemes): one rule for both.

A published version may already be in use, so it is never edited: a change is a new draft version that
supersedes it when published, and every record keeps the version it was made under.
"""

from flask import flash, redirect

from portal import clock
from portal.errors_domain import RuleBroken


class VersionStatusMixin:
    """For the parent of versions (a framework, a scheme): its live version and its draft, if any."""

    @property
    def published_version(self):
        from portal.frameworks.models import VersionStatus

        published = [v for v in self.versions if v.status == VersionStatus.PUBLISHED]
        return published[-1] if published else None

    @property
    def draft_version(self):
        from portal.frameworks.models import VersionStatus

        return next((v for v in self.versions if v.status == VersionStatus.DRAFT), None)


class VersionLocked(RuleBroken):
    """A published version is frozen: records were (or may be) made under it."""


def ensure_editable(version):
    from portal.frameworks.models import VersionStatus

    if version.status != VersionStatus.DRAFT:
        raise VersionLocked(f"Version {version.number} is {version.status.label.lower()} and cannot be changed. "
                            "Start a new draft version instead.")


def supersede_and_publish(version, siblings, change_note=""):
    """Publish ``version``; the version published before it among ``siblings`` becomes superseded."""
    from portal.frameworks.models import VersionStatus

    for earlier in siblings:
        if earlier.status == VersionStatus.PUBLISHED:
            earlier.status = VersionStatus.SUPERSEDED
    version.status, version.published_at, version.change_note = VersionStatus.PUBLISHED, clock.now(), change_note.strip()
    return version


def locked_redirect(version, back):
    """For a view: the redirect ``back`` (with why) when ``version`` is not a draft, else None."""
    try:
        ensure_editable(version)
    except VersionLocked as problem:
        flash(problem.message, "error")
        return redirect(back)
    return None
