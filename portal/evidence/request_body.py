"""A file sent as a request's whole body, read with as few copies as the server allows.

Werkzeug's wrapper (``request.stream``) copies every piece twice on its way, and gunicorn's own body reader
copies it about five more times (into and out of two buffers, sliced twice): on two cores those copies were a
third of a big upload's time, all of it holding the interpreter's lock the hash thread also needs. Under gunicorn,
a body of known length is read from the connection itself, each piece arriving whole in one bytes object; anywhere
else straight from the server's input. Werkzeug still decides the limits: a body over ``MAX_CONTENT_LENGTH`` is
refused (413) before a byte is read, and a body without a length (sent in chunks) is read through it.
"""

from __future__ import annotations

import socket

from flask import Request
from werkzeug.exceptions import ClientDisconnected

try:
    from gunicorn.http.body import Body as GunicornBody
    from gunicorn.http.body import LengthReader as GunicornLengthReader
except ImportError:  # served by something else: nothing of gunicorn's to look past
    GunicornBody = GunicornLengthReader = None


class RequestBody:
    """A request's body for ``receive_file``: ``read(size)`` gives the next piece, b"" at its end, and raises
    ``ClientDisconnected`` when the browser goes away before the whole of a body of known length arrived."""

    def __init__(self, request: Request):
        stream = request.stream  # where Werkzeug refuses a body that is too big
        length = request.content_length
        if length is None:
            self._source = stream
        else:
            self._source = (GunicornConnection.take(request.environ, length)
                            or _LengthLimited(request.environ["wsgi.input"], length))

    def read(self, size: int) -> bytes:
        return self._source.read(size)


class _LengthLimited:
    """The server's input, read up to the body's length."""

    def __init__(self, source, length: int):
        self._source = source
        self._remaining = length

    def read(self, size: int) -> bytes:
        if self._remaining <= 0:
            return b""
        piece = self._source.read(min(size, self._remaining))
        if not piece:
            raise ClientDisconnected()  # the browser went away before the whole file arrived
        self._remaining -= len(piece)
        return piece


class GunicornConnection:
    """The rest of a body of known length, read from gunicorn's connection rather than through its reader.

    Only where that is plainly safe: gunicorn's sync or threaded worker on a blocking socket without TLS, and
    nothing of the body read yet. Each piece is as big as asked for (the last excepted): first the bytes gunicorn
    read past the headers, then one ``recv`` that waits until the piece is whole (``MSG_WAITALL``). gunicorn's
    count of what is left of the body is kept up to date as pieces are taken, so whatever happens it reads (or
    skips) exactly the rest, and a kept-alive connection's next request starts where it should; bytes of that next
    request read ahead with the headers go back to gunicorn.
    """

    def __init__(self, connection: socket.socket, reader):
        self._connection = connection
        self._reader = reader
        ahead = reader.unreader.take_buffered()
        self._held, following = ahead[:reader.length], ahead[reader.length:]
        if following:
            reader.unreader.unread(following)

    @classmethod
    def take(cls, environ: dict, length: int) -> GunicornConnection | None:
        """The connection of this request, or None where gunicorn should read the body itself."""
        connection, body = environ.get("gunicorn.socket"), environ.get("wsgi.input")
        if GunicornBody is None or not isinstance(body, GunicornBody):
            return None
        reader = body.reader
        if (type(connection) is not socket.socket  # TLS (recv takes no flags) or another kind of worker
                or connection.gettimeout() is not None  # a non-blocking socket would not wait for a whole piece
                or not isinstance(reader, GunicornLengthReader) or not hasattr(reader.unreader, "take_buffered")
                or reader.length != length or body.buf.tell()):  # some of the body was read already
            return None
        return cls(connection, reader)

    def read(self, size: int = -1) -> bytes:
        """The next ``size`` bytes of the body (the rest of it when ``size`` is -1 or None)."""
        wanted = self._reader.length if size is None or size < 0 else min(size, self._reader.length)
        if wanted <= 0:
            return b""
        piece, self._held = self._held[:wanted], self._held[wanted:]
        if len(piece) < wanted:
            piece += self._receive(wanted - len(piece))
        self._reader.length -= len(piece)
        return piece

    def _receive(self, size: int) -> bytes:
        try:
            piece = self._connection.recv(size, socket.MSG_WAITALL)
        except ConnectionError:
            piece = b""
        if not piece:
            raise ClientDisconnected()  # the browser went away before the whole file arrived
        return piece
