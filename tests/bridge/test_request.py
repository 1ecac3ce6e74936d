"""One request on the bridge (``bridge/request.py``), over a real socket pair: its head parsed
by http.server's own parser (a status remembered, never the request's text), its body read
within the deadline, its answer composed without CORS and closing the connection."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from claude_meter.bridge import request as bridge_request
from claude_meter.bridge.request import Request

GOOD_HEAD = (
    b"POST /snapshots HTTP/1.1\r\nHost: 127.0.0.1:63762\r\nOrigin: chrome-extension://x\r\n"
    b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n"
)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """The bridge's end and the client's end of one connection."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        yield ours, theirs


def test_a_good_head_is_parsed(pair: tuple[socket.socket, socket.socket]) -> None:
    req = Request(pair[0], GOOD_HEAD, b"")
    assert req.parse()
    assert (req.command, req.path, req.failed) == ("POST", "/snapshots", None)
    assert req.headers.get_all("Content-Length") == ["10"]
    assert not req.expects_continue


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"POST /snapshots HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"POST /snapshots HTTP/x.y\r\n\r\n", 400),
        (b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"POST /snapshots HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431),
    ],
)
def test_a_head_that_cannot_be_parsed_leaves_only_a_status(
    pair: tuple[socket.socket, socket.socket], head: bytes, status: int
) -> None:
    req = Request(pair[0], head, b"")
    assert not req.parse()
    assert req.failed == status
    assert req.out.getvalue() == b""  # nothing of the request is echoed back


def test_expect_continue_is_remembered_for_the_worker(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    req = Request(pair[0], GOOD_HEAD[:-2] + b"Expect: 100-continue\r\n\r\n", b"")
    assert req.parse()
    assert req.expects_continue
    assert req.out.getvalue() == b""  # the listener sends nothing before the checks


def answer_of(req: Request) -> tuple[str, dict[str, str], bytes]:
    head, _, body = req.out.getvalue().partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), body


@pytest.mark.parametrize("status", [200, 400, 401, 403, 405, 413, 503])
def test_an_answer_closes_the_connection_and_allows_no_origin(
    pair: tuple[socket.socket, socket.socket], status: int
) -> None:
    req = Request(pair[0], GOOD_HEAD, b"")
    assert req.parse()
    req.answer(status, {"error": "why"})
    line, headers, body = answer_of(req)
    assert line.startswith(f"HTTP/1.1 {status} ")
    assert json.loads(body) == {"error": "why"}
    assert headers["Content-Length"] == str(len(body))
    assert headers["Content-Type"] == "application/json"
    assert headers["Connection"] == "close"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Server"].startswith("ClaudeMeter-bridge")
    assert not any(name.lower().startswith("access-control-") for name in headers)
    assert ("Allow" in headers) is (status == 405)
    assert req.close_connection


def test_a_head_request_is_answered_without_a_body(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    req = Request(pair[0], b"HEAD /snapshots HTTP/1.1\r\nHost: x\r\n\r\n", b"")
    assert req.parse()
    req.answer(405, {"error": "only POST is answered"})
    line, headers, body = answer_of(req)
    assert (line.split()[1], headers["Content-Length"], body) == ("405", "0", b"")
    assert headers["Allow"] == "POST"


def test_the_body_is_what_came_with_the_head_and_the_rest_from_the_socket(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = pair
    req = Request(ours, GOOD_HEAD, b"0123")
    theirs.sendall(b"456789 and what follows is not read")
    assert req.read_body(10) == b"0123456789"
    assert req.body_done
    assert Request(ours, GOOD_HEAD, b"01234567890123").read_body(10) == b"0123456789"


def test_a_body_cut_short_is_none(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    req = Request(ours, GOOD_HEAD, b"01")
    theirs.sendall(b"234")
    theirs.shutdown(socket.SHUT_WR)  # the client gave up
    assert req.read_body(10) is None
    assert req.body_done


def test_a_body_slower_than_the_deadline_is_none(
    pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bridge_request, "BODY_DEADLINE", 0.3)
    monkeypatch.setattr(bridge_request, "SOCKET_TIMEOUT", 0.1)
    ours, theirs = pair
    stop = threading.Event()

    def drip() -> None:  # a byte every 50 ms: never a pause as long as the socket timeout
        while not stop.wait(0.05):
            try:
                theirs.send(b"x")
            except OSError:
                return

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        assert Request(ours, GOOD_HEAD, b"").read_body(1000) is None
    finally:
        stop.set()
        dripping.join(5)
