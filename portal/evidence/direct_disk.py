"""Writing a big upload straight to disk, past the page cache, where the filesystem allows it.

Written through the page cache, a 500 MB file cost 0.1 s of the kernel's CPU on a quiet round and 0.7 to 1.3 s on
others (measured in bench/, issue 21), while the request's thread, the hash and the sender wanted the same two
cores; the upload then went at half its usual speed. Written with ``O_DIRECT`` the same file costs a few
hundredths of a second of CPU every time (the disk does the work) and never leaves hundreds of megabytes of
dirty pages behind for the final flush.

``O_DIRECT`` wants whole blocks from block-aligned memory at block-aligned places in the file, so the pieces are
gathered in a page-aligned buffer and written ``BUFFER_BYTES`` at a time; the last few bytes (less than a block)
go through the page cache. Where the filesystem refuses ``O_DIRECT`` (tmpfs, some network filesystems), or a
direct write is refused, the caller's ordinary file does the writing instead, as before.
"""

from __future__ import annotations

import errno
import mmap
import os

BLOCK = 4096  # the alignment O_DIRECT needs on the filesystems the portal meets (a page)
BUFFER_BYTES = 4 * 1024 * 1024


class DirectAppender:
    """Appends to a file from ``offset`` on, straight to disk, gathering pieces into whole blocks.

    Only one thread may use it. ``finish`` writes what is left; until then the file on disk ends at the last whole
    buffer written."""

    @classmethod
    def open(cls, path, file, offset: int) -> DirectAppender | None:
        """An appender for ``file`` (open for reading and writing at ``path``, ``offset`` bytes written so far),
        or None where the system or filesystem has no direct writes."""
        if not hasattr(os, "O_DIRECT"):
            return None
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_DIRECT)
        except OSError:
            return None
        try:
            return cls(descriptor, file, offset)
        except OSError:  # no memory for the buffer, say: the ordinary way, as anywhere else
            os.close(descriptor)
            return None

    def __init__(self, descriptor: int, file, offset: int):
        file.flush()
        self._direct: int | None = descriptor
        self._ordinary = file.fileno()
        self._offset = offset - offset % BLOCK  # where the buffer's first byte belongs in the file
        self._buffer = mmap.mmap(-1, BUFFER_BYTES)  # page-aligned memory, as O_DIRECT needs
        self._view = memoryview(self._buffer)
        # The block already begun is written again, whole, with what follows it.
        begun = os.pread(self._ordinary, offset - self._offset, self._offset)
        self._view[:len(begun)] = begun
        self._filled = len(begun)

    def append(self, data) -> None:
        data = memoryview(data)
        while data:
            taken = data[:BUFFER_BYTES - self._filled]
            self._view[self._filled:self._filled + len(taken)] = taken
            self._filled += len(taken)
            data = data[len(taken):]
            if self._filled == BUFFER_BYTES:
                self._write(BUFFER_BYTES)

    def finish(self) -> None:
        """Write what is left (whole blocks straight to disk, the rest through the page cache) and let go."""
        try:
            whole = self._filled - self._filled % BLOCK
            if whole:
                self._write(whole)
            if self._filled:
                self._write_ordinarily(self._view[:self._filled], self._offset)
                self._offset += self._filled
                self._filled = 0
        finally:
            self.close()

    def close(self) -> None:
        if self._direct is not None:
            os.close(self._direct)
            self._direct = None
        if not self._buffer.closed:
            self._view.release()
            try:
                self._buffer.close()
            except BufferError:  # a slice of it still held (by a failure's traceback): it goes with the slice
                pass

    def _write(self, count: int) -> None:
        """Write the buffer's first ``count`` bytes (whole blocks) where they belong; keep the rest at its start."""
        done = 0
        while done < count and self._direct is not None:
            try:
                written = os.pwrite(self._direct, self._view[done:count], self._offset + done)
            except OSError as refused:
                if refused.errno != errno.EINVAL:
                    raise  # a full disk, say: the caller raises it on the request's thread
                written = 0
            done += max(written, 0)
            if written <= 0 or written % BLOCK:  # refused, or cut short mid-block: the page cache takes over
                os.close(self._direct)
                self._direct = None
        if done < count:
            self._write_ordinarily(self._view[done:count], self._offset + done)
        self._offset += count
        rest = self._filled - count
        self._view[:rest] = self._view[count:self._filled]
        self._filled = rest

    def _write_ordinarily(self, data, at: int) -> None:
        """Write ``data`` at ``at`` through the ordinary descriptor (the page cache)."""
        done = 0
        while done < len(data):
            done += os.pwrite(self._ordinary, data[done:], at + done)
