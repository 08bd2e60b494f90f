"""Uploads written once: straight into local storage while the request is parsed.

Left to itself, Werkzeug parses a multipart body into temporary files, which the views then read back and copy
into storage: every byte written twice, hashed on the second pass. With local storage, ``UploadRequest`` gives each
uploaded file a ``StreamedPart`` instead: a new ``<key>.part`` in the storage folder, SHA-256 hashed and counted
as the bytes arrive. ``store_upload`` checks its first bytes and has ``LocalStorage.adopt`` rename it into place.
S3 (or any other storage) keeps Werkzeug's temporary files and ``Storage.save``; people see the same messages
either way. Under gunicorn the form is read from the connection itself rather than through gunicorn's body
reader, which copies every piece several times (``request_body.GunicornConnection``).

Only views marked ``keeps_uploaded_files`` (evidence, documents) have their uploads streamed: an import (a GIAS
CSV, a spreadsheet of figures) is read, not kept, and its own size limits and messages apply as before.

A part nobody adopts (a refused file, a form that failed, a request that broke off) is removed when the request
is closed, which Flask does at the end of every request.
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import tempfile
import threading
from typing import Callable

from flask import Request, current_app, has_app_context
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser

from portal.evidence.direct_disk import DirectAppender
from portal.evidence.files import HEAD_SIZE, FileRefused, Kind, check_head
from portal.evidence.request_body import GunicornConnection
from portal.evidence.storage import (CHUNK_SIZE, LocalStorage, Storage, StoredFile, empty, human_size, new_key, storage_for,
                                     too_big)

# Werkzeug reads the body 64 KiB at a time; bigger pieces mean fewer turns of its parser per megabyte. Its parser
# refuses (413) a piece that takes its buffer past MAX_FORM_MEMORY_SIZE (Flask: 500,000 bytes), so a piece stays
# below that, with room for the few bytes it keeps between pieces.
PARSE_BUFFER_BYTES = 448 * 1024
_WERKZEUG_BUFFER_BYTES = 64 * 1024
_ROOM_BYTES = 16 * 1024


class StreamedPart(io.RawIOBase):
    """One uploaded file, written into ``<key>.part`` in local storage as Werkzeug parses it.

    Keeps its size, SHA-256 and first ``HEAD_SIZE`` bytes (for ``check_head``). Past ``max_bytes`` it stops
    writing and removes the part rather than raising mid-parse, so the form still arrives and the view can
    refuse the file with the usual message. Readable and seekable like Werkzeug's own temporary file, for code
    that reads an upload itself; reading one that was too big answers 413. Removed on ``close`` unless storage
    adopted it.

    From its second piece on, a file is written on a thread of its own and hashed on another, while the request's
    thread goes back to reading the body: writing and hashing both let go of the GIL, so on two cores an upload
    arrives about as fast as the slowest of the three. At most ``PIECES_WAITING`` pieces wait for either, so memory
    stays small; anything that needs the hash or the whole file waits for both first (``_settle``). A write that
    fails (a full disk) is raised on the request's thread, at its next piece or when it settles.

    The writing thread writes straight to disk, past the page cache, where the filesystem allows it
    (``direct_disk.DirectAppender``): that costs little CPU, and the same every time. Elsewhere (and for a file of
    one piece) every ``WRITE_BACK_BYTES`` the part asks the system to start writing what it has so far to disk and
    to let go of those pages once written (``posix_fadvise``, where there is one), so a big upload neither leaves
    hundreds of megabytes waiting in memory nor waits for all of them at the end, when storage flushes it before
    adopting.
    """

    PIECES_WAITING = 4
    WRITE_BACK_BYTES = 32 * 1024 * 1024
    _file = None  # until the part is open (so closing a half-made one is harmless)
    _workers = ()
    _direct: DirectAppender | None = None  # once the writing thread writes straight to disk

    def __init__(self, storage: LocalStorage, max_bytes: int):
        super().__init__()
        self.max_bytes = max_bytes
        self.key = new_key()
        self.path = storage.part_path(self.key)
        self._file = open(self.path, "xb+")
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._to_write: queue.Queue | None = None
        self._to_hash: queue.Queue | None = None
        self._failure: Exception | None = None  # a write the writing thread could not make
        self.size = 0
        self._written = 0  # bytes written so far (by whichever thread writes)
        self._written_back = 0  # of those, handed to the system to write to disk
        self.too_big = False
        self.adopted = False

    @property
    def head(self) -> bytes:
        return bytes(self._head)

    @property
    def sha256(self) -> str:
        self._settle()
        return self._hash.hexdigest()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:
        count = len(data)
        self.size += count
        if len(self._head) < HEAD_SIZE:  # even from a file too big to keep: its type is checked first, as before
            self._head += data[:HEAD_SIZE - len(self._head)]
        if self.too_big:
            return count
        if self.size > self.max_bytes:
            self.too_big = True
            self.discard()  # nothing more reaches the disk; the view says it is too big
            return count
        piece = bytes(data)  # the other threads keep it a while; the caller may reuse its buffer
        if self.size == count:  # the first piece (often the whole file): no threads for that
            self._store(piece)
            self._hash.update(piece)
            return count
        if self._failure is not None:
            raise self._failure
        if not self._workers:
            self._direct = DirectAppender.open(self.path, self._file, self._written)
            self._to_write = queue.Queue(maxsize=self.PIECES_WAITING)
            self._to_hash = queue.Queue(maxsize=self.PIECES_WAITING)
            self._workers = (threading.Thread(target=self._keep_writing, name="upload-writer", daemon=True),
                             threading.Thread(target=_keep_hashing, name="upload-hasher", daemon=True,
                                              args=(self._to_hash, self._hash)))
            for worker in self._workers:
                worker.start()
        self._to_write.put(piece)
        self._to_hash.put(piece)
        return count

    def _keep_writing(self) -> None:
        """The writing thread: write pieces in order until ``None``; after a failure, only take them."""
        while (piece := self._to_write.get()) is not None:
            if self._failure is None:
                try:
                    if self._direct is not None:
                        self._direct.append(piece)
                    else:
                        self._store(piece)
                except Exception as failure:  # noqa: BLE001 - raised on the request's thread instead
                    self._failure = failure

    def _store(self, piece: bytes) -> None:
        self._file.write(piece)
        self._written += len(piece)
        if self._written - self._written_back >= self.WRITE_BACK_BYTES:
            self._start_writing_back()

    def _start_writing_back(self) -> None:
        """Have the system start writing the part's bytes so far to disk, and forget those pages once they are."""
        if hasattr(os, "posix_fadvise"):
            self._file.flush()
            os.posix_fadvise(self._file.fileno(), self._written_back, self._written - self._written_back,
                             os.POSIX_FADV_DONTNEED)
        self._written_back = self._written

    def _settle(self) -> None:
        """Wait until every piece is written and hashed; raise a write that failed."""
        if self._workers:
            self._to_write.put(None)
            self._to_hash.put(None)
            for worker in self._workers:
                worker.join()
            self._workers = ()
        if self._direct is not None:
            direct, self._direct = self._direct, None
            try:
                if self._failure is None:
                    direct.finish()
            except Exception as failure:  # noqa: BLE001 - raised below, as any write that failed
                self._failure = failure
            finally:
                direct.close()
        if self._failure is not None:
            raise self._failure

    def _readable_file(self):
        if self.too_big:
            raise RequestEntityTooLarge(f"Each file must be smaller than {human_size(self.max_bytes)}.")
        self._settle()
        return self._file

    def read(self, size=-1) -> bytes:
        return self._readable_file().read(size)

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer) -> int:
        return self._readable_file().readinto(buffer)

    def readline(self, size=-1) -> bytes:
        return self._readable_file().readline(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self.too_big:  # Werkzeug rewinds every file once parsed
            return 0
        return self._readable_file().seek(offset, whence)

    def tell(self) -> int:
        return 0 if self.too_big else self._readable_file().tell()

    def fileno(self) -> int:
        return self._readable_file().fileno()

    def flush(self) -> None:
        if self._file is not None and not self._file.closed:
            self._settle()
            self._file.flush()

    def sync(self) -> None:
        """Flush to disk, before storage renames the part into place."""
        self._settle()
        self._file.flush()
        os.fsync(self._file.fileno())

    def discard(self) -> None:
        """Close and remove the part now (a refused file, or one that could not be written)."""
        if self._file is None:
            return
        try:
            self._settle()
        except Exception:  # noqa: BLE001 - a write that failed: the part goes anyway
            pass
        self._file.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def close(self) -> None:
        if not self.closed:
            if self.adopted:
                self._settle()
                self._file.close()  # the file itself stays, under its key
            else:
                self.discard()
        super().close()


def _keep_hashing(pieces: queue.Queue, digest) -> None:
    """The hash thread: add pieces to the SHA-256 in order until ``None``."""
    while (piece := pieces.get()) is not None:
        digest.update(piece)


class _BiggerPiecesParser(FormDataParser):
    """Werkzeug's form parser reading the body ``PARSE_BUFFER_BYTES`` at a time (it offers no setting for it)."""

    def buffer_size(self) -> int:
        if self.max_form_memory_size is None:
            return PARSE_BUFFER_BYTES
        return max(_WERKZEUG_BUFFER_BYTES, min(PARSE_BUFFER_BYTES, self.max_form_memory_size - _ROOM_BYTES))

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
                                 cls=self.cls, buffer_size=self.buffer_size(), max_form_parts=self.max_form_parts)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


def keeps_uploaded_files(view):
    """Mark a view (under its route decorator) whose uploaded files go into storage: they are streamed there."""
    view.keeps_uploaded_files = True
    return view


class UploadRequest(Request):
    """Flask's request, with each uploaded file streamed into local storage as it is parsed (see the module)."""

    form_data_parser_class = _BiggerPiecesParser

    def _get_stream_for_parsing(self):
        """A form with files to keep is read from gunicorn's connection itself, where it can be (request_body)."""
        stream = super()._get_stream_for_parsing()  # where Werkzeug refuses a body that is too big
        if self.mimetype != "multipart/form-data" or self.content_length is None or not self._keeps_uploaded_files():
            return stream
        return GunicornConnection.take(self.environ, self.content_length) or stream

    def _keeps_uploaded_files(self) -> bool:
        view = current_app.view_functions.get(self.endpoint) if has_app_context() else None
        return getattr(view, "keeps_uploaded_files", False)

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        storage = self._local_storage() if filename and self._keeps_uploaded_files() else None
        if storage is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        part = StreamedPart(storage, current_app.config["EVIDENCE_MAX_FILE_BYTES"])
        self.__dict__.setdefault("_streamed_parts", []).append(part)
        return part

    def _local_storage(self) -> LocalStorage | None:
        if "_upload_storage" not in self.__dict__:
            storage = None
            if has_app_context():
                try:
                    storage = storage_for(current_app.config)
                except ValueError:  # misconfigured: the view that stores the file says so, as before
                    pass
            self.__dict__["_upload_storage"] = storage if isinstance(storage, LocalStorage) else None
        return self.__dict__["_upload_storage"]

    def close(self) -> None:
        """Also close the parts a failed parse never handed over, so none is left behind."""
        try:
            super().close()
        finally:
            for part in self.__dict__.pop("_streamed_parts", ()):
                part.close()


def store_upload(storage: Storage, upload, *, max_bytes: int, display_name: str,
                 accept: Callable[[Kind], None] | None = None) -> tuple[Kind, StoredFile]:
    """Check an upload by content and keep it: adopted where it was streamed into this storage, else copied.

    ``accept`` may refuse a kind the caller does not take. Raises ``FileRefused`` with the same messages
    whichever way the file is kept, and keeps nothing then.
    """
    part = upload.stream
    if isinstance(part, StreamedPart) and isinstance(storage, LocalStorage):
        try:
            kind = check_head(display_name, part.head)
            if accept is not None:
                accept(kind)
        except FileRefused:
            part.discard()
            raise
        return kind, storage.adopt(part, max_bytes=max_bytes, display_name=display_name)
    head = upload.stream.read(HEAD_SIZE)
    upload.stream.seek(0)
    kind = check_head(display_name, head)
    if accept is not None:
        accept(kind)
    return kind, storage.save(upload.stream, max_bytes=max_bytes, display_name=display_name)


# A file sent as a request's whole body is read this much at a time: bigger pieces, fewer turns of the loop.
BODY_PIECE_BYTES = 1024 * 1024


def receive_file(storage: Storage, body, *, length: int | None, max_bytes: int, display_name: str,
                 accept: Callable[[Kind], None] | None = None) -> tuple[Kind, StoredFile]:
    """Check and keep one file sent as a request's whole body (the page's script sends each file as it is chosen).

    No multipart to parse, so the bytes go from the socket to the hash and the disk as fast as they come: local
    storage has them written into a ``StreamedPart`` and adopted, other storage gets them from a temporary file.
    ``length`` is the request's Content-Length (None when the body is sent in chunks): a file over the limit, or an
    empty one, is refused before a byte is read. The messages are a form upload's. Raises ``FileRefused`` and keeps
    nothing then.
    """
    if length is not None and length > max_bytes:
        raise too_big(display_name, max_bytes)
    if length == 0:
        raise empty(display_name)
    local = isinstance(storage, LocalStorage)
    received = StreamedPart(storage, max_bytes) if local else tempfile.SpooledTemporaryFile(max_size=CHUNK_SIZE)
    try:
        size = 0
        while piece := body.read(BODY_PIECE_BYTES):
            size += len(piece)
            received.write(piece)
        if size == 0:
            raise empty(display_name)
        received.seek(0)
        return store_upload(storage, FileStorage(stream=received, filename=display_name), max_bytes=max_bytes,
                            display_name=display_name, accept=accept)
    finally:
        received.close()  # a part storage adopted stays, under its key
