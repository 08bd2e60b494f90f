"""One JSON line per request (portal/request_log.py): id, person, route, status, time; never a token or password."""

import json
import logging

import pytest


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="portal.requests")

    def lines():
        return [json.loads(record.getMessage()) for record in caplog.records if record.name == "portal.requests"]

    return lines


def test_a_signed_in_request_is_logged_with_its_person_route_and_status(client, sign_in, world, request_lines):
    user_id = world.user("admin@example.org", is_la_admin=True)
    sign_in("admin@example.org")
    response = client.get("/")
    line = request_lines()[-1]
    assert (line["route"], line["endpoint"], line["status"], line["user_id"], line["method"]) == ("/", "home.index", 200,
                                                                                                   user_id, "GET")
    assert line["ms"] > 0 and line["request_id"] == response.headers["X-Request-ID"] and len(line["request_id"]) == 32


def test_tokens_in_the_address_and_passwords_in_forms_are_never_logged(client, world, request_lines):
    from portal.auth.tokens import TOKEN_LENGTH

    world.user("head@example.org")
    token = "secret-token-abc123".ljust(TOKEN_LENGTH, "x")
    client.get(f"/reset-password/{token}?next=/private-place")
    client.post("/sign-in", data={"email": "head@example.org", "password": "my-secret-password"})
    logged = json.dumps(request_lines())
    assert "secret-token-abc123" not in logged and "private-place" not in logged and "my-secret-password" not in logged
    assert "head@example.org" not in logged
    reset, sign_in = [line["route"] for line in request_lines()][-2:]
    assert reset.startswith("/reset-password/<") and reset.endswith(":token>") and sign_in == "/sign-in"


def test_the_proxys_request_id_is_kept_and_a_strange_one_replaced(client, request_lines):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123-def-456"}).headers["X-Request-ID"] == "abc-123-def-456"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert odd.headers["X-Request-ID"] != "<script>alert(1)</script>" and len(odd.headers["X-Request-ID"]) == 32
    assert [line["request_id"] for line in request_lines()] == ["abc-123-def-456", odd.headers["X-Request-ID"]]


def test_an_unknown_address_is_logged_without_its_path(client, request_lines):
    client.get("/no/such/page/with-a-secret")
    line = request_lines()[-1]
    assert line["status"] == 404 and line["route"] is None and "with-a-secret" not in json.dumps(line)
