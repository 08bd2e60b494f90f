"""A meeting paper kept as one document (an agenda, minutes): PDF, Word or OpenDocument text, checked by content.

Stored with the evidence storage and the evidence file rules (generated names, SHA-256, size limit), and always
downloaded as an attachment, never shown inline.
"""

from dataclasses import dataclass

from flask import current_app, send_file

from portal.evidence.files import FileRefused, check_head, safe_display_name
from portal.evidence.storage import storage_for

DOCUMENT_KINDS = {"PDF", "Word document", "OpenDocument text document"}
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class StoredDocument:
    name: str
    key: str
    sha256: str


def store_document(upload) -> StoredDocument | None:
    """Check and store an uploaded document; None when no file was chosen. Raises ``FileRefused`` with a message."""
    if not upload or not upload.filename:
        return None
    name = safe_display_name(upload.filename)
    kind = check_head(name, upload.stream.read(HEAD_BYTES))
    upload.stream.seek(0)
    if kind.label not in DOCUMENT_KINDS:
        raise FileRefused(f"{name} must be a PDF, Word or OpenDocument text file")
    stored = storage_for(current_app.config).save(upload.stream, max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                                                  display_name=name)
    return StoredDocument(name, stored.key, stored.sha256)


def send_document(key, name):
    """The stored document as a download, with nothing a browser could run."""
    response = send_file(storage_for(current_app.config).open(key), as_attachment=True, download_name=name,
                         mimetype="application/octet-stream", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
