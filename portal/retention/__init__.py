"""Retention: how long the LA keeps stored files, what a run would remove and why, and the record of what went.

Stored files (evidence, visit attachments, intervention documents) go a set number of years after upload; every file
of a school that has closed goes a set number of years after it closed, meeting papers included. The records
themselves stay: their text carries the audit trail and the confirmed minutes' digests. A removal leaves a
``removed_file`` row saying what the file was (name, size, SHA-256), when it went and why."""

from flask import Blueprint

bp = Blueprint("retention", __name__, url_prefix="/admin/retention")
