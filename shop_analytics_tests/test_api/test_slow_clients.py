"""Clients that stall or send too much cannot starve the served API of its threads."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator

import pytest

from shop_analytics_tests.test_api.conftest import TOKEN, ApiPlace, purchase_body
from shop_analytics_tests.test_api.served_api import ServedApi, served

BODY_DEADLINE_S = 2
AUTH_LINES = f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n".encode()


@pytest.fixture(scope="module")
def api(place: ApiPlace) -> Iterator[ServedApi]:
    with served(place, workers=2, API_BODY_DEADLINE_S=str(BODY_DEADLINE_S)) as api:
        yield api


def _connect(api: ServedApi, timeout_s: float = 60) -> socket.socket:
    return socket.create_connection((api.host, api.port), timeout=timeout_s)


def _answer(sock: socket.socket) -> tuple[int, dict[str, object]]:
    """Status and JSON body of the response on `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), json.loads(body)


def _others_are_served(api: ServedApi) -> None:
    for _ in range(10):
        with urllib.request.urlopen(f"{api.url}/api/health", timeout=30) as response:
            assert response.status == 200
    request = urllib.request.Request(
        f"{api.url}/api/purchases",
        data=json.dumps(purchase_body()).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_stalled_headers_do_not_hold_up_other_requests(api: ServedApi) -> None:
    stalled = [_connect(api) for _ in range(60)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        _others_are_served(api)
    finally:
        for sock in stalled:
            sock.close()


def test_a_stalled_body_gets_408_and_does_not_hold_up_other_requests(api: ServedApi) -> None:
    stalled = [_connect(api)]
    try:
        for sock in stalled:
            sock.sendall(
                b"POST /api/purchases HTTP/1.1\r\nHost: x\r\n"
                + AUTH_LINES
                + b'Content-Length: 200\r\n\r\n{"purchase_id": '
            )
        _others_are_served(api)
        answers = [_answer(sock) for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    assert {status for status, _ in answers} == {408}
    assert {body["error"] for _, body in answers} == {"request_timeout"}


def test_oversize_chunked_body_is_413_json(api: ServedApi) -> None:
    chunk = b"x" * 65536
    with _connect(api) as sock:
        sock.sendall(
            b"POST /api/purchases:batch HTTP/1.1\r\nHost: x\r\n"
            + AUTH_LINES
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        try:  # the server may answer and close before taking the whole body
            for _ in range(5 * 16):  # 5 MiB
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, body = _answer(sock)
    assert status == 413
    assert body["error"] == "payload_too_large"
