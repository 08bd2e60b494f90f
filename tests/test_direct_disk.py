"""Big uploads written straight to disk (portal/evidence/direct_disk.py): the same bytes whatever the pieces, and
the page cache where the filesystem refuses direct writes."""

import hashlib
import os
import random
from pathlib import Path

import pytest

from portal.evidence.direct_disk import BLOCK, BUFFER_BYTES, DirectAppender
from portal.evidence.storage import LocalStorage
from portal.evidence.streamed import StreamedPart
from tests.conftest import disk_full_past

MIB = 1024 * 1024


def _pieces(seed: int) -> list[bytes]:
    """Pieces of awkward sizes: one byte, one short of a block, a buffer and a bit, a piece straddling buffers."""
    rng = random.Random(seed)
    sizes = [1, BLOCK - 1, BUFFER_BYTES + 3, MIB, 777, 3 * MIB + 5, BLOCK, 2 * BUFFER_BYTES, 12]
    return [rng.randbytes(size) for size in sizes]


def _appender(path: Path, begun: bytes):
    """A file at ``path`` whose first ``begun`` bytes were written the ordinary way, and an appender after them."""
    file = open(path, "xb+")
    file.write(begun)
    appender = DirectAppender.open(path, file, len(begun))
    if appender is None:
        file.close()
        pytest.skip("this filesystem refuses direct writes")
    return file, appender


@pytest.mark.parametrize("begun", [b"", b"%PDF-1.7\n", os.urandom(BLOCK), os.urandom(MIB + 5)],
                         ids=["nothing", "a few bytes", "one block", "a piece not ending on a block"])
def test_the_file_holds_exactly_what_was_appended_whatever_the_pieces(tmp_path, begun):
    path = tmp_path / "upload.part"
    file, appender = _appender(path, begun)
    pieces = _pieces(len(begun))
    for piece in pieces:
        appender.append(piece)
    appender.finish()
    file.seek(0)
    assert file.read() == begun + b"".join(pieces)
    assert path.stat().st_size == len(begun) + sum(map(len, pieces))
    file.close()


def test_a_big_upload_goes_straight_to_disk_and_keeps_its_size_and_sha256(tmp_path):
    """Through StreamedPart as the form parser feeds it: the first piece the ordinary way, the rest by the writing
    thread straight to disk; what storage then reads is the file, whole."""
    part = StreamedPart(LocalStorage(tmp_path), max_bytes=64 * MIB)
    pieces = _pieces(7)
    for piece in pieces:
        part.write(piece)
    direct = part._direct is not None
    part.sync()
    expected = b"".join(pieces)
    assert part.size == len(expected) and part.sha256 == hashlib.sha256(expected).hexdigest()
    part.seek(0)
    assert part.read() == expected and part.path.stat().st_size == len(expected)
    part.close()
    assert not part.path.exists()  # nobody adopted it
    if not direct:
        pytest.skip("this filesystem refuses direct writes (the ordinary way was checked)")


def test_without_direct_writes_the_page_cache_writes_the_same_bytes(tmp_path, monkeypatch):
    """A system without O_DIRECT (not Linux, say) plays the filesystem that refuses it: the part is written the
    ordinary way, with the same bytes."""
    monkeypatch.delattr(os, "O_DIRECT", raising=False)
    part = StreamedPart(LocalStorage(tmp_path), max_bytes=64 * MIB)
    pieces = _pieces(11)
    for piece in pieces:
        part.write(piece)
    assert part._direct is None
    part.sync()
    part.seek(0)
    assert part.read() == b"".join(pieces) and part.sha256 == hashlib.sha256(b"".join(pieces)).hexdigest()
    part.close()


def test_a_full_disk_during_a_direct_write_is_raised_not_lost(tmp_path):
    """A file size limit plays the full disk (``disk_full_past``): the failure comes back to the request's thread
    and the part goes."""
    part = StreamedPart(LocalStorage(tmp_path), max_bytes=64 * MIB)
    with disk_full_past(6 * MIB), pytest.raises(OSError):
        for _ in range(12):
            part.write(os.urandom(MIB))
        part.sync()
    part.close()
    assert not part.path.exists()


def test_a_refused_direct_write_goes_on_through_the_page_cache_until_the_disk_is_full(tmp_path):
    """The disk fills up partway into a block: the direct write that would end there is refused (EINVAL), so the
    buffer goes the ordinary way, which writes what fits and then fails; that failure is raised (not one of the
    buffer's) and the part goes."""
    part = StreamedPart(LocalStorage(tmp_path), max_bytes=64 * MIB)
    with disk_full_past(6 * MIB + 100), pytest.raises(OSError) as failure:
        for _ in range(12):
            part.write(os.urandom(MIB))
        part.sync()
    assert not isinstance(failure.value, BufferError)
    part.close()
    assert not part.path.exists()
