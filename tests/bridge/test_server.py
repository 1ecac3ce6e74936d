"""The bridge over real sockets: pairing, every refusal, concurrency and a flood.

Every refusal asserts both the status and that nothing was accepted, stored or emitted, so
a check that stops working fails here rather than letting numbers in.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from claude_meter.bridge import MAX_BODY, BridgeServer, Pairing, PortInUse, Refusal
from claude_meter.bridge import request as bridge_request
from tests.bridge.support import (
    EXTENSION,
    FIREFOX,
    OTHER_EXTENSION,
    Bridge,
    good_post,
    raw_exchange,
)

GOOD = json.dumps(good_post()).encode()


def assert_nothing_taken(bridge: Bridge) -> None:
    assert bridge.results == []
    assert bridge.server.counts.get("accepted", 0) == 0


def assert_no_cors(headers: dict[str, str]) -> None:
    assert not any(name.lower().startswith("access-control-") for name in headers)


# -- pairing --------------------------------------------------------------------------------


def test_pairing_inside_the_window_gives_each_extension_its_own_token(bridge: Bridge) -> None:
    bridge.pairing.open_window()
    tokens = [bridge.pair(EXTENSION), bridge.pair(EXTENSION), bridge.pair(FIREFOX)]
    assert len(set(tokens)) == 3
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes, url-safe base64
    assert [o for o, _ in bridge.pairing.paired()] == [EXTENSION, EXTENSION, FIREFOX]
    for token, origin in zip(tokens, (EXTENSION, EXTENSION, FIREFOX), strict=True):
        reply = bridge.post(good_post(), token, origin=origin)
        assert reply.status == 200, reply.body
        assert_no_cors(reply.headers)
    assert len(bridge.results) == 3
    snapshot = bridge.results[0].snapshots[0]
    assert bridge.results[0].source == "extension"
    assert snapshot.source == "extension"
    assert [(w.key, w.percent) for w in snapshot.windows][:2] == [
        ("five_hour", 37.0),
        ("seven_day", 64.0),
    ]


def test_pairing_outside_the_window_is_refused(bridge: Bridge) -> None:
    reply = bridge.request("/pair")
    assert reply.status == 403
    assert "token" not in reply.json()
    bridge.pairing.open_window()
    bridge.clock.advance(timedelta(minutes=2, seconds=1))  # the window has closed
    reply = bridge.request("/pair")
    assert reply.status == 403
    assert "token" not in reply.json()
    assert bridge.pairing.paired() == ()


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        None,
        "http://127.0.0.1:63762",
        "chrome-extension://abc",
        "chrome-extension://" + "q" * 32,
        "moz-extension://not-a-uuid",
        "chrome-extension://" + "a" * 32 + ".evil.example",
    ],
)
def test_pairing_from_anything_but_an_extension_is_refused_even_in_the_window(
    bridge: Bridge, origin: str | None
) -> None:
    bridge.pairing.open_window()
    reply = bridge.request("/pair", origin=origin)
    assert reply.status == 403
    assert "token" not in reply.json()
    assert_no_cors(reply.headers)
    assert bridge.pairing.paired() == ()


def test_two_origin_headers_are_refused(bridge: Bridge) -> None:
    bridge.pairing.open_window()
    reply = bridge.request("/pair", headers={"Origin": "https://evil.example"})
    assert reply.status == 403
    assert bridge.pairing.paired() == ()


# -- refusals of /snapshots -----------------------------------------------------------------


def test_a_good_post_is_accepted(bridge: Bridge, token: str) -> None:
    reply = bridge.post(good_post(), token)
    assert (reply.status, reply.json()) == (200, {"accepted": 1, "account": None})
    assert len(bridge.results) == 1


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"token": None}, 401),
        ({"token": "not-a-token"}, 401),
        ({"token": ""}, 401),
        ({"origin": None}, 403),
        ({"origin": "null"}, 403),
        ({"origin": "https://evil.example"}, 403),
        ({"origin": OTHER_EXTENSION}, 403),  # a real token, but given to another extension
        ({"host": "evil.example:{port}"}, 403),  # DNS rebinding
        ({"host": "127.0.0.1"}, 403),
        ({"host": "127.0.0.1:1"}, 403),
        ({"host": "localhost.evil.example:{port}"}, 403),
        ({"content_type": "text/plain"}, 415),
        ({"content_type": None}, 415),
        ({"method": "PUT"}, 405),
    ],
)
def test_refusals_store_nothing(
    bridge: Bridge, token: str, kwargs: dict[str, object], status: int
) -> None:
    options: dict[str, object] = {"token": token, **kwargs}
    if isinstance(options.get("host"), str):
        options["host"] = str(options["host"]).format(port=bridge.port)
    if options["token"] is None:
        options.pop("token")
        reply = bridge.request("/snapshots", GOOD, **options, token=None)  # type: ignore[arg-type]
    else:
        reply = bridge.request("/snapshots", GOOD, **options)  # type: ignore[arg-type]
    assert reply.status == status, reply.body
    assert_no_cors(reply.headers)
    assert_nothing_taken(bridge)


def test_localhost_host_is_accepted(bridge: Bridge, token: str) -> None:
    reply = bridge.post(good_post(), token, host=f"localhost:{bridge.port}")
    assert reply.status == 200


def test_a_preflight_is_never_approved(bridge: Bridge) -> None:
    reply = bridge.request(
        "/snapshots",
        method="OPTIONS",
        origin="https://evil.example",
        headers={"Access-Control-Request-Method": "POST"},
    )
    assert reply.status == 405
    assert_no_cors(reply.headers)


def test_unknown_paths_and_gets_are_refused(bridge: Bridge, token: str) -> None:
    assert bridge.request("/", method="GET").status == 405
    assert bridge.request("/snapshots", method="GET", token=token).status == 405
    assert bridge.request("/other", GOOD, token=token).status == 404
    assert_nothing_taken(bridge)


def _head(bridge: Bridge, token: str, extra: str) -> bytes:
    return (
        f"POST /snapshots HTTP/1.1\r\nHost: 127.0.0.1:{bridge.port}\r\nOrigin: {EXTENSION}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def test_an_oversized_body_is_refused_on_its_length_before_it_is_sent(
    bridge: Bridge, token: str
) -> None:
    started = time.monotonic()
    answer = raw_exchange(bridge.port, _head(bridge, token, f"Content-Length: {MAX_BODY + 1}\r\n"))
    assert answer.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 2  # answered without waiting for the body
    assert_nothing_taken(bridge)


def test_an_oversized_body_is_refused_even_when_sent(bridge: Bridge, token: str) -> None:
    huge = json.dumps({**good_post(), "padding": "x" * MAX_BODY}).encode()
    try:
        reply = bridge.request("/snapshots", huge, token=token)
        assert reply.status == 413
    except (ConnectionResetError, BrokenPipeError):
        pass  # the server answered and closed while the client was still sending
    assert_nothing_taken(bridge)


def test_a_body_just_under_the_limit_is_read(bridge: Bridge, token: str) -> None:
    payload = good_post()
    base = len(json.dumps({**payload, "padding": ""}).encode())
    body = json.dumps({**payload, "padding": "x" * (MAX_BODY - base)}).encode()
    assert len(body) == MAX_BODY
    assert bridge.request("/snapshots", body, token=token).status == 200


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ("Transfer-Encoding: chunked\r\n", 411),
        ("", 411),  # no Content-Length at all
        ("Content-Length: -1\r\n", 400),
        ("Content-Length: 12abc\r\n", 400),
        ("Content-Length: 10\r\nContent-Length: 10\r\n", 411),
    ],
)
def test_bodies_without_a_usable_length_are_refused(
    bridge: Bridge, token: str, extra: str, status: int
) -> None:
    answer = raw_exchange(bridge.port, _head(bridge, token, extra) + b"5\r\n{}\r\n0\r\n\r\n")
    assert answer.startswith(f"HTTP/1.1 {status}".encode()), answer[:80]
    assert_nothing_taken(bridge)


def test_headers_are_checked_before_the_body_is_read(bridge: Bridge) -> None:
    """A wrong token with a declared body is answered at once, the body never awaited."""
    started = time.monotonic()
    answer = raw_exchange(bridge.port, _head(bridge, "wrong", "Content-Length: 1000\r\n"))
    assert answer.startswith(b"HTTP/1.1 401")
    assert time.monotonic() - started < 2
    assert_nothing_taken(bridge)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"version": 2, "organizations": []}',
        b'{"version": true, "error": {"kind": "network"}}',
        b'{"version": 1, "organizations": [{"organization": {"name": "no uuid"}, "usage": {}}]}',
        b'{"version": 1, "organizations": [{"organization": {"uuid": "o"}}]}',
        b'{"version": 1, "organizations": "Personal"}',
        b'{"version": 1, "organizations": []}',
        b"{" * 100_000,
        b"\xff\xfe{}",
        b'{"version": 1, "profile": 7, "error": {"kind": "network"}}',
        b'{"version": 1, "profile": "Work\\u0007", "error": {"kind": "network"}}',
        b'{"version": 1, "profile": "' + b"w" * 300 + b'", "error": {"kind": "network"}}',
    ],
)
def test_bodies_the_models_reject_are_refused(bridge: Bridge, token: str, body: bytes) -> None:
    reply = bridge.request("/snapshots", body, token=token)
    assert reply.status == 400
    assert "error" in reply.json()
    assert_nothing_taken(bridge)


# -- robustness ----------------------------------------------------------------------------


def test_concurrent_posts_are_all_accepted(bridge: Bridge, token: str) -> None:
    with ThreadPoolExecutor(16) as pool:
        replies = list(
            pool.map(lambda i: bridge.post(good_post(name=f"Org {i}"), token), range(40))
        )
    assert [r.status for r in replies] == [200] * 40
    names = sorted(r.snapshots[0].org_name or "" for r in bridge.results)
    assert names == sorted(f"Org {i}" for i in range(40))


def _malformed(bridge: Bridge, token: str, i: int) -> None:
    kind = i % 6
    port = bridge.port
    try:
        if kind == 0:
            raw_exchange(port, b"GARBAGE\r\n\r\n", timeout=5)
        elif kind == 1:
            bridge.request("/snapshots", GOOD, token="forged")
        elif kind == 2:
            bridge.request("/snapshots", GOOD, token=token, origin="https://evil.example")
        elif kind == 3:
            bridge.request("/snapshots", b"{bad", token=token)
        elif kind == 4:
            raw_exchange(port, _head(bridge, token, f"Content-Length: {10 * MAX_BODY}\r\n"), 5)
        else:
            bridge.request("/pair", host=f"evil.example:{port}")
    except OSError:
        pass  # dropped when too many connect at once: that is allowed


def test_a_good_post_gets_through_a_flood_of_malformed_requests(bridge: Bridge, token: str) -> None:
    stop = threading.Event()

    def flood(worker: int) -> int:
        sent = 0
        while not stop.is_set():
            _malformed(bridge, token, worker + sent)
            sent += 1
        return sent

    with ThreadPoolExecutor(12) as pool:
        floods = [pool.submit(flood, w) for w in range(12)]
        time.sleep(0.2)  # let the flood build up before the good post
        good = []
        for _ in range(5):
            started = time.monotonic()
            reply = bridge.post(good_post(), token)
            good.append((reply.status, time.monotonic() - started))
        stop.set()
        sent = sum(f.result() for f in floods)
    assert sent > 100
    assert [status for status, _ in good] == [200] * 5
    assert max(seconds for _, seconds in good) < 2.0
    assert len(bridge.results) == 5  # exactly the good ones, none of the flood


def test_a_silent_client_does_not_block_others_and_is_cut_off(
    bridge: Bridge, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bridge_request.Request, "timeout", 0.5)
    with socket.create_connection(("127.0.0.1", bridge.port)) as silent:
        assert bridge.post(good_post(), token).status == 200
        silent.settimeout(5)
        started = time.monotonic()
        assert silent.recv(100) == b""  # closed by the server's socket timeout
        assert time.monotonic() - started < 3


def test_a_body_that_never_finishes_is_dropped(
    bridge: Bridge, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bridge_request, "BODY_DEADLINE", 0.5)
    monkeypatch.setattr(bridge_request, "SOCKET_TIMEOUT", 0.2)
    with socket.create_connection(("127.0.0.1", bridge.port), timeout=5) as sock:
        sock.sendall(_head(bridge, token, f"Content-Length: {len(GOOD)}\r\n") + GOOD[:10])
        answer = sock.recv(1000)
    assert answer.startswith(b"HTTP/1.1 400")
    assert_nothing_taken(bridge)


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            BridgeServer(Pairing(), lambda result: None, port=port).start()
    message = caught.value.strerror or ""
    assert f"Port {port}" in message
    assert "--port" in message


def test_tokens_never_reach_logs_or_refusals(
    bridge: Bridge, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    refusals: list[Refusal] = []
    bridge.server._on_refusal = refusals.append
    bridge.post(good_post(), token)
    bridge.request("/snapshots", GOOD, token=token, origin=OTHER_EXTENSION)
    bridge.request("/snapshots", GOOD, token=token + "x")
    bridge.request("/snapshots", b"{bad", token=token)
    assert refusals
    texts = [caplog.text, repr(refusals), repr(bridge.pairing.paired())]
    texts += [repr(r.__dict__) for r in caplog.records]
    texts += [repr(bridge.pairing._paired)]
    for text in texts:
        assert token not in text
