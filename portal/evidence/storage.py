"""Where evidence files are kept: streamed in chunks, measured and hashed (SHA-256) on the way in.

Keys are generated (``ab/ab12...`` : a uuid4 in hex, sharded by its first two characters), never derived
from the user's file name, and a key of any other shape is refused, so a key can never walk out of the
storage root. There is no delete: nothing is ever hard-deleted.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import re
import shutil
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from portal.evidence.files import FileRefused

CHUNK_SIZE = 1024 * 1024
_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{32})")


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class InvalidKey(ValueError):
    """A storage key that is not one we generated (for example ``../../secret``)."""


def human_size(num_bytes: int) -> str:
    """A size for people, in binary units labelled as usual: 104857600 -> "100 MB", 1536 -> "1.5 KB".

    Rounded down, so "must be smaller than ..." never overstates a limit.
    """
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if num_bytes >= size:
            value = math.floor(num_bytes * 10 / size) / 10
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    return "1 byte" if num_bytes == 1 else f"{num_bytes} bytes"


def new_key() -> str:
    hex_ = uuid.uuid4().hex
    return f"{hex_[:2]}/{hex_}"


def check_key(key: str) -> str:
    """Return ``key`` if it has the generated shape, else raise ``InvalidKey``."""
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None or match.group(2)[:2] != match.group(1):
        raise InvalidKey(f"not an evidence storage key: {key!r}")
    return key


def smaller_than(max_bytes: int) -> str:
    """What a file over the limit is told, after its name (the page's script says it too, before sending)."""
    return f"must be smaller than {human_size(max_bytes)}"


def too_big(display_name: str, max_bytes: int) -> FileRefused:
    """The refusal for a file over the limit, the same whichever way it was stored."""
    return FileRefused(f"{display_name} {smaller_than(max_bytes)}")


def empty(display_name: str) -> FileRefused:
    return FileRefused(f"{display_name} is empty")


class _Meter:
    """Size and SHA-256 of the bytes seen so far; refuses as soon as they pass ``max_bytes``."""

    def __init__(self, max_bytes: int, display_name: str):
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.display_name = display_name
        self.size = 0
        self.hash = hashlib.sha256()
        self.refusal: FileRefused | None = None

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.refusal = too_big(self.display_name, self.max_bytes)
            raise self.refusal
        self.hash.update(chunk)

    def check_not_empty(self) -> None:
        if self.size == 0:
            self.refusal = empty(self.display_name)
            raise self.refusal

    def stored(self, key: str) -> StoredFile:
        return StoredFile(key=key, size=self.size, sha256=self.hash.hexdigest())


def _read_chunk(stream: BinaryIO, size: int = CHUNK_SIZE) -> bytes:
    chunk = stream.read(size)
    if chunk is None:
        raise ValueError("non-blocking streams are not supported")
    return chunk


class Storage(ABC):
    """Keeps uploaded files. Implementations: ``LocalStorage``, ``S3Storage``; choose with ``storage_for``."""

    @abstractmethod
    def save(self, stream: BinaryIO, *, max_bytes: int, display_name: str) -> StoredFile:
        """Stream ``stream`` (from its current position) into a new key, ``CHUNK_SIZE`` bytes at a time.

        Raises ``FileRefused`` "<name> must be smaller than <limit>" as soon as more than ``max_bytes`` have
        been read, and "<name> is empty" for no bytes; nothing is kept in either case.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary file object for streaming the file back; the caller closes it."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file under ``key`` (nothing happens when there is none). Only for files no record names, or
        once the record says the file was removed (``portal.retention``)."""

    @abstractmethod
    def put(self, key: str, stream: BinaryIO) -> None:
        """Keep ``stream`` under the ``key`` it had before (restoring a backup, ``portal/backup.py``)."""


class LocalStorage(Storage):
    """Files under a root folder (created if missing), at ``<root>/<ab>/<ab12...>``.

    A file is written as ``<key>.part`` (never a valid key, so never served), flushed to disk and renamed
    into place only when complete; the partial file is removed on any failure. An upload can also be written
    there while the request is parsed and then adopted (``adopt``; see ``portal.evidence.streamed``).
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def part_path(self, key: str) -> Path:
        """Where ``key`` is written until it is complete: ``<key>.part`` (its folder created if missing)."""
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        return path.with_name(path.name + ".part")

    def save(self, stream: BinaryIO, *, max_bytes: int, display_name: str) -> StoredFile:
        meter = _Meter(max_bytes, display_name)
        key = new_key()

        def write(out):
            while chunk := _read_chunk(stream):
                meter.add(chunk)
                out.write(chunk)
            meter.check_not_empty()

        self._write_into_place(key, write)
        return meter.stored(key)

    def _write_into_place(self, key: str, write) -> None:
        """``write(out)`` into ``<key>.part``, flushed to disk, then renamed to ``key``; the part goes on any failure."""
        partial = self.part_path(key)
        try:
            with open(partial, "xb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, self._path(key))
        except BaseException:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                pass
            raise

    def adopt(self, part, *, max_bytes: int, display_name: str) -> StoredFile:
        """Keep an upload already written here as ``<key>.part`` while the request was parsed (a
        ``portal.evidence.streamed.StreamedPart``), so its bytes are not copied a second time.

        The same checks, refusals and result as ``save``: a refused part is removed at once.
        """
        if part.path != self.part_path(part.key):
            raise ValueError("that upload was not written into this storage")
        try:
            if part.too_big or part.size > max_bytes:
                raise too_big(display_name, min(max_bytes, part.max_bytes))
            if part.size == 0:
                raise empty(display_name)
            part.sync()
            os.replace(part.path, self._path(part.key))
        except BaseException:
            part.discard()
            raise
        part.adopted = True
        return StoredFile(key=part.key, size=part.size, sha256=part.sha256)

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def remove_unfinished(self, older_than_seconds: float | None = None) -> int:
        """Remove ``.part`` files of uploads that never finished (a server killed mid-upload), all of them or those
        untouched for ``older_than_seconds`` (an upload still arriving writes its part all the while). Nothing
        records a part, so nothing refers to what goes. Returns how many went."""
        cutoff = None if older_than_seconds is None else time.time() - older_than_seconds
        removed = 0
        for part in self.root.glob("*/*.part"):
            try:
                if cutoff is None or part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
            except FileNotFoundError:  # finished or removed meanwhile
                pass
        return removed

    def put(self, key: str, stream: BinaryIO) -> None:
        self._write_into_place(key, lambda out: shutil.copyfileobj(stream, out, CHUNK_SIZE))


class _MeteredReader(io.RawIOBase):
    """Reads ``stream`` through a ``_Meter``, starting with bytes already read. Deliberately not seekable,
    so boto3 reads it once, in order."""

    def __init__(self, stream: BinaryIO, meter: _Meter, first: bytes):
        self._stream = stream
        self._meter = meter
        self._pending = first

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = _read_chunk(self._stream, min(len(buffer), CHUNK_SIZE))
            if not self._pending:
                return 0
            self._meter.add(self._pending)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


@functools.lru_cache(maxsize=8)
def _s3_client(endpoint_url, region, access_key_id, secret_access_key):
    import boto3  # optional: only needed when EVIDENCE_STORAGE is "s3"

    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)


class S3Storage(Storage):
    """Files in an S3-compatible bucket, under the same generated keys.

    boto3 is imported lazily (it is not a dependency of the project; install it where S3 is used).
    Tested in tests/test_evidence_s3.py against a real S3-compatible HTTP server (moto's, on loopback).

    ``save`` checks for an empty file before uploading, then streams with ``upload_fileobj`` through a
    non-seekable reader that hashes, counts and raises ``FileRefused`` once past ``max_bytes``. s3transfer
    only sends a single-part PUT once the whole body is read and aborts a multipart upload on error, so a
    refused file leaves no object behind.
    """

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None):
        if not bucket:
            raise ValueError("S3_BUCKET is required for S3 evidence storage")
        self.bucket = bucket
        self._client_settings = (endpoint_url or None, region or None, access_key_id or None, secret_access_key or None)

    @property
    def client(self):
        return _s3_client(*self._client_settings)

    def save(self, stream: BinaryIO, *, max_bytes: int, display_name: str) -> StoredFile:
        meter = _Meter(max_bytes, display_name)
        first = _read_chunk(stream)
        meter.add(first)
        meter.check_not_empty()  # before uploading: an empty object would have to be deleted
        key = new_key()
        reader = _MeteredReader(stream, meter, first)
        try:
            self.client.upload_fileobj(reader, self.bucket, key, ExtraArgs={"ContentType": "application/octet-stream"})
        except Exception:
            if meter.refusal is not None:  # s3transfer may re-raise it from another thread, or wrap it
                raise meter.refusal from None
            raise
        if meter.refusal is not None:
            raise meter.refusal
        return meter.stored(key)

    def open(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def put(self, key: str, stream: BinaryIO) -> None:
        self.client.upload_fileobj(stream, self.bucket, check_key(key))


def remove_unfinished_uploads(config, older_than_seconds: float | None = None) -> int:
    """``LocalStorage.remove_unfinished`` for the configured storage. An S3 upload leaves nothing behind here
    (the request is parsed into temporary files the system removes); the bucket's lifecycle rule should abort
    incomplete multipart uploads."""
    storage = storage_for(config)
    return storage.remove_unfinished(older_than_seconds) if isinstance(storage, LocalStorage) else 0


def storage_for(config) -> Storage:
    """``LocalStorage(config["UPLOAD_FOLDER"])``, or ``S3Storage`` when ``EVIDENCE_STORAGE`` is "s3"."""
    backend = (config.get("EVIDENCE_STORAGE") or "local").lower()
    if backend == "s3":
        return S3Storage(config.get("S3_BUCKET"), endpoint_url=config.get("S3_ENDPOINT_URL"),
                         region=config.get("S3_REGION"), access_key_id=config.get("S3_ACCESS_KEY_ID"),
                         secret_access_key=config.get("S3_SECRET_ACCESS_KEY"))
    if backend != "local":
        raise ValueError(f"unknown EVIDENCE_STORAGE {backend!r}: use 'local' or 's3'")
    return LocalStorage(config["UPLOAD_FOLDER"])
