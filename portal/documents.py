"""A meeting paper kept as one document (an agenda, minutes): PDF, Word or OpenDocument text, checked by content.

Stored with the evidence storage and the evidence file rules (generated names, SHA-256, size limit), and always
downloaded as an attachment, never shown inline. A document a record vouches for (confirmed minutes) is checked
against the SHA-256 recorded when it was attached before it is shown as intact or served.
"""

import hashlib
import tempfile
from contextlib import closing
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app, send_file

from portal.evidence.files import FileRefused, Kind, safe_display_name
from portal.evidence.storage import CHUNK_SIZE, InvalidKey, storage_for
from portal.evidence.streamed import store_upload

DOCUMENT_KINDS = {"PDF", "Word document", "OpenDocument text document"}
SPOOL_BYTES = 8 * 1024 * 1024  # a checked copy bigger than this waits on disk, not in memory


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

    def only_documents(kind: Kind) -> None:
        if kind.label not in DOCUMENT_KINDS:
            raise FileRefused(f"{name} must be a PDF, Word or OpenDocument text file")

    _, stored = store_upload(storage_for(current_app.config), upload, display_name=name, accept=only_documents,
                             max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"])
    return StoredDocument(name, stored.key, stored.sha256)


def _read_stored(key, copy=None, storage=None) -> str | None:
    """Read the stored file in chunks (into ``copy`` if given) and return its SHA-256; None when it is missing.
    ``storage``: this portal's evidence storage unless another is given."""
    storage = storage or storage_for(current_app.config)
    try:
        if not storage.exists(key):
            return None
        digest = hashlib.sha256()
        with closing(storage.open(key)) as stored:
            while chunk := stored.read(CHUNK_SIZE):
                digest.update(chunk)
                if copy is not None:
                    copy.write(chunk)
    except (InvalidKey, FileNotFoundError):
        return None
    return digest.hexdigest()


def stored_sha256(key, storage=None) -> str | None:
    """The SHA-256 of the document as it is in storage now; None when nothing is stored under ``key``."""
    return _read_stored(key, storage=storage)


def verified_copy(key, sha256) -> BinaryIO | None:
    """A private copy of the stored document if its bytes have ``sha256``, else None.

    The copy is what gets served, not the stored file, so a file swapped just after the check cannot slip out."""
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    if sha256 is None or _read_stored(key, copy) != sha256:
        copy.close()
        return None
    copy.seek(0)
    return copy


def _attachment(stream, name):
    """A download with nothing a browser could run."""
    response = send_file(stream, as_attachment=True, download_name=name, mimetype="application/octet-stream", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def send_document(key, name):
    """The stored document as a download."""
    return _attachment(storage_for(current_app.config).open(key), name)


def send_verified_document(key, name, sha256):
    """The stored document as a download, only if it still has its recorded SHA-256; None if it has not."""
    copy = verified_copy(key, sha256)
    return None if copy is None else _attachment(copy, name)
