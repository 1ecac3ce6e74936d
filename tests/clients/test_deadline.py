"""One total deadline per request on the httpx transport (:mod:`claude_meter.clients.deadline`),
against real servers on loopback that answer slowly on purpose."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from claude_meter.clients import deadline


def client(base_url: str, read: float = 5.0) -> httpx.Client:
    transport = deadline.install(httpx.HTTPTransport())
    return httpx.Client(base_url=base_url, transport=transport, timeout=httpx.Timeout(read))


@pytest.fixture
def quick_server() -> Iterator[str]:
    """Answers every request at once, for the requests that must not be slowed."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    with contextlib.suppress(OSError):
        socket.create_connection(listener.getsockname()).close()
    thread.join(5)
    listener.close()


def test_a_dripping_body_ends_at_the_total_deadline(dripping_server: str) -> None:
    """Each byte comes well within the 5 s read timeout: only the total stops it."""
    with client(dripping_server) as http:
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException), deadline.total_deadline(0.4):
            http.get("/")
        assert 0.3 < time.monotonic() - started < 2.0


def test_outside_a_deadline_nothing_changes(quick_server: str) -> None:
    with client(quick_server) as http:
        assert http.get("/").json() == {}
        with deadline.total_deadline(5.0):
            assert http.get("/").json() == {}
        assert http.get("/").json() == {}  # the deadline ended with its block


def test_a_deadline_already_passed_stops_before_connecting(quick_server: str) -> None:
    with (
        client(quick_server) as http,
        deadline.total_deadline(-1.0),
        pytest.raises(httpx.ConnectTimeout, match="total deadline passed"),
    ):
        http.get("/")


def test_each_thread_measures_its_own_deadline(quick_server: str) -> None:
    """A pooled client shared by threads: one thread's passed deadline is not another's."""
    outcomes: dict[str, object] = {}

    def late() -> None:
        with deadline.total_deadline(-1.0):
            try:
                http.get("/")
            except httpx.TimeoutException as exc:
                outcomes["late"] = type(exc)

    with client(quick_server) as http:
        thread = threading.Thread(target=late)
        thread.start()
        thread.join(10)
        with deadline.total_deadline(5.0):
            outcomes["in time"] = http.get("/").status_code
    assert outcomes == {"late": httpx.ConnectTimeout, "in time": 200}


def test_installing_twice_wraps_once() -> None:
    transport = deadline.install(httpx.HTTPTransport())
    backend = transport._pool._network_backend
    assert deadline.install(transport)._pool._network_backend is backend
    transport.close()


def test_a_transport_without_the_expected_pool_fails_loudly() -> None:
    class Changed(httpx.HTTPTransport):
        def __init__(self) -> None:
            super().__init__()
            self._pool = None  # type: ignore[assignment]

    with pytest.raises(RuntimeError, match="httpx's transport changed"):
        deadline.install(Changed())
