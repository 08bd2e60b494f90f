"""Issued notes of visit never change in place: a version is written once and never updated or deleted.

Like the minutes guard, this sits at the model layer so no view, script or shell can rewrite the record.
"""

from portal.append_only import append_only
from portal.visits.models import NotesVersion


class NotesLocked(Exception):
    def __init__(self, version_id):
        super().__init__(f"Notes of visit version {version_id} was issued and cannot change: write a new version")
        self.version_id = version_id


append_only(NotesVersion, NotesLocked)
