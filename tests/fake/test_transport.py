"""The fake claude.ai's sockets (:mod:`claude_meter.fake.transport`): the TLS handshake in the
connection's own thread, the ClientHello read before it, and every connection cut off and
joined on stop, over real loopback connections."""

from __future__ import annotations

import socket
import ssl
import threading
import time

import httpx
import pytest

from claude_meter.fake import FakeClaude
from claude_meter.fake import scenarios as sc
from tests.fake.support import SESSION_COOKIE, flaky_plan, usage_url, web

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


def test_stop_is_bounded_while_a_slow_answer_is_in_flight() -> None:
    seed = next(s for s in range(1000) if flaky_plan(s, 1)[0].kind == "slow")
    errors: list[Exception] = []

    def call(server: FakeClaude) -> None:
        with web(server) as client:
            try:
                client.get(usage_url(sc.PERSONAL))
            except httpx.TransportError as exc:
                errors.append(exc)

    server = FakeClaude("flaky", seed=seed).start()
    caller = threading.Thread(target=call, args=(server,))
    caller.start()
    deadline = time.monotonic() + 5
    while not server.request_log and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert server.request_log, "the slow request never arrived"
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0
    caller.join(5)
    assert not caller.is_alive()
    assert len(errors) == 1


def test_a_silent_tls_client_neither_stalls_the_others_nor_holds_stop() -> None:
    with FakeClaude(tls=True) as server:
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert server.cert_path is not None
        context = ssl.create_default_context(cafile=server.cert_path)
        with httpx.Client(
            base_url=server.base_url,
            verify=context,
            headers={"Cookie": SESSION_COOKIE},
            timeout=10,
        ) as client:
            assert client.get("/api/organizations").status_code == 200
        started = time.monotonic()
    assert time.monotonic() - started < 2.0
    with silent:
        assert silent.recv(1) == b""  # cut off, not left waiting for its ClientHello


def test_an_idle_keep_alive_connection_is_cut_on_stop() -> None:
    server = FakeClaude().start()
    with web(server) as client:
        assert client.get("/api/organizations").status_code == 200  # the connection stays open
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
        assert server.request_log[0].hello is None  # plain HTTP has no ClientHello


def test_the_client_hello_is_read_before_the_handshake() -> None:
    with FakeClaude(tls=True) as server:
        assert server.cert_path is not None
        context = ssl.create_default_context(cafile=server.cert_path)
        with httpx.Client(base_url=server.base_url, verify=context, timeout=10) as client:
            client.get("/api/organizations")
        (entry,) = server.request_log
    assert entry.hello is not None
    assert entry.ja4 is not None
    assert entry.ja4.startswith("t1")  # JA4: over TCP, TLS 1.x
