"""A body of known length read from gunicorn's connection itself (portal/evidence/request_body.py), tested with
gunicorn's own parser on a real socket: every byte of the body once and in order, nothing of the next request on
the connection, gunicorn's count of what is left kept right whatever the reader does, and gunicorn left to read
wherever taking the connection would not be plainly safe."""

import os
import socket
import threading

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.parser import RequestParser
from werkzeug.exceptions import ClientDisconnected

from portal.evidence.request_body import GunicornConnection

NEXT_REQUEST = b"GET /next HTTP/1.1\r\nHost: portal\r\n\r\n"


@pytest.fixture
def connection():
    """(the server's end, the browser's end) of a real connection."""
    server, browser = socket.socketpair()
    yield server, browser
    server.close()
    browser.close()


def _head(length: int) -> bytes:
    return f"POST /schools/1/evidence/files HTTP/1.1\r\nHost: portal\r\nContent-Length: {length}\r\n\r\n".encode()


def _parsed(server):
    """gunicorn's parser on the server's end, and the WSGI environ of the first request it reads."""
    config = Config()
    parser = RequestParser(config, server, ("127.0.0.1", 50000))
    request = next(parser)
    _, environ = wsgi.create(request, server, ("127.0.0.1", 50000), ("127.0.0.1", 8000), config)
    return parser, environ


def _send_in_background(browser, data: bytes, close: bool = False) -> threading.Thread:
    def send():
        browser.sendall(data)
        if close:
            browser.shutdown(socket.SHUT_WR)
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    return sender


def test_a_small_body_read_ahead_with_the_headers_leaves_the_next_request_to_gunicorn(connection):
    server, browser = connection
    browser.sendall(_head(5) + b"%PDF-" + NEXT_REQUEST)  # pipelined: all of it arrives with the headers
    parser, environ = _parsed(server)

    body = GunicornConnection.take(environ, 5)

    assert [body.read(3), body.read(3), body.read(3)] == [b"%PD", b"F-", b""]
    assert environ["wsgi.input"].read(10) == b""  # gunicorn knows the body is over
    assert next(parser).path == "/next"


def test_a_big_body_arrives_whole_in_pieces_of_the_size_asked_for(connection):
    server, browser = connection
    content = os.urandom(3 * 1024 * 1024 + 12345)
    sender = _send_in_background(browser, _head(len(content)) + content + NEXT_REQUEST)
    parser, environ = _parsed(server)

    body = GunicornConnection.take(environ, len(content))
    pieces = []
    while piece := body.read(1024 * 1024):
        pieces.append(piece)

    assert b"".join(pieces) == content
    assert [len(piece) for piece in pieces[:-1]] == [1024 * 1024] * 3  # whole pieces, not what one recv had
    sender.join(5)
    assert next(parser).path == "/next"


def test_the_rest_of_a_body_at_once(connection):
    server, browser = connection
    content = os.urandom(300_000)
    sender = _send_in_background(browser, _head(len(content)) + content + NEXT_REQUEST)
    parser, environ = _parsed(server)

    body = GunicornConnection.take(environ, len(content))

    assert body.read(10) + body.read() == content
    assert body.read() == body.read(None) == b""
    sender.join(5)
    assert next(parser).path == "/next"


def test_gunicorn_skips_the_rest_of_a_body_left_unread(connection):
    server, browser = connection
    content = os.urandom(2 * 1024 * 1024)
    sender = _send_in_background(browser, _head(len(content)) + content + NEXT_REQUEST)
    parser, environ = _parsed(server)

    body = GunicornConnection.take(environ, len(content))
    assert body.read(100_000) == content[:100_000]

    assert next(parser).path == "/next"  # gunicorn read past the other 1.9 MB: its count was kept right
    sender.join(5)


def test_a_browser_gone_before_the_whole_body_arrived_is_a_disconnection(connection):
    server, browser = connection
    _send_in_background(browser, _head(1000) + b"%PDF-" + b"x" * 200, close=True).join(5)
    _, environ = _parsed(server)

    body = GunicornConnection.take(environ, 1000)
    with pytest.raises(ClientDisconnected):
        while body.read(1024):
            pass


def test_gunicorn_reads_a_body_it_has_begun_on(connection):
    server, browser = connection
    browser.sendall(_head(10) + b"0123456789")
    _, environ = _parsed(server)
    assert environ["wsgi.input"].read(4) == b"0123"

    assert GunicornConnection.take(environ, 10) is None
    assert environ["wsgi.input"].read(10) == b"456789"


def test_gunicorn_reads_from_a_socket_that_would_not_wait_for_a_whole_piece(connection):
    server, browser = connection
    browser.sendall(_head(5) + b"%PDF-")
    _, environ = _parsed(server)
    server.settimeout(30)

    assert GunicornConnection.take(environ, 5) is None


def test_nothing_to_take_from_another_server():
    environ = {"wsgi.input": open(os.devnull, "rb"), "gunicorn.socket": None}
    try:
        assert GunicornConnection.take(environ, 5) is None
    finally:
        environ["wsgi.input"].close()
