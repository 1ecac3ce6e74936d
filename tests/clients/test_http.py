"""The shared HTTP client of both clients: its guard rails (more in test_web.py and
test_hostile_answers.py), its kept-alive connections and the environment's proxies, against
real servers on loopback."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from claude_meter.clients.http import (
    HttpClient,
    Proxy,
    _timeout_message,
    guarded_get,
    make_http_client,
    proxy_for,
)
from claude_meter.core import retry_words
from claude_meter.core.errors import ConfigurationError, NetworkError
from claude_meter.fake import FakeClaude
from tests.support.hostile import answer, hostile_server

KEPT_ALIVE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def test_redirects_are_not_followed() -> None:
    moved = answer(b"", status="302 Found", headers=[("Location", "http://127.0.0.1:1/elsewhere")])
    with hostile_server() as server, make_http_client(server.base_url) as client:
        server.script = [(0.0, moved)]
        got = guarded_get(client, "/x", {}, "web")
        assert (got.status, got.headers.get("location")) == (302, "http://127.0.0.1:1/elsewhere")
        assert server.requests == 1


@contextmanager
def resetting_server() -> Iterator[str]:
    """A loopback server that reads the request, sends half a status line and resets."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # linger 0: a reset, which the client reads as ECONNRESET

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        thread.join(5)
        listener.close()


def _broken_message() -> str:
    with (
        resetting_server() as base_url,
        make_http_client(base_url) as client,
        pytest.raises(NetworkError) as info,
    ):
        guarded_get(client, "/x", {}, "web")
    return info.value.message


def test_a_connection_reset_is_told_in_words_not_a_type_name() -> None:
    message = _broken_message()
    assert message == (
        "The connection to claude.ai broke off while its answer was being read. "
        "The last numbers are kept; ClaudeMeter will try again."
    )
    assert "Error" not in message


def test_a_one_shot_command_is_told_to_try_again_itself() -> None:
    with retry_words.one_shot():
        message = _broken_message()
    assert message == (
        "The connection to claude.ai broke off while its answer was being read. "
        "Try again in a minute."
    )
    assert "ClaudeMeter will" in _broken_message()  # the tray's words come back after


def test_no_answer_in_time_and_no_connection_end_with_the_command_s_words() -> None:
    with retry_words.one_shot(), make_http_client("http://127.0.0.1:1") as client:
        with pytest.raises(NetworkError) as info:
            guarded_get(client, "/x", {}, "web")
        assert info.value.message == (
            "Can't reach claude.ai: the connection was refused. Try again in a minute."
        )
        assert _timeout_message("claude.ai") == (
            "claude.ai did not answer in time. Check your internet connection, then try again."
        )
    assert _timeout_message("claude.ai").endswith(
        "the last numbers are kept and ClaudeMeter will try again."
    )


def test_a_deadline_already_passed_stops_before_connecting() -> None:
    with hostile_server() as server, make_http_client(server.base_url) as client:
        with pytest.raises(NetworkError, match="in time"):
            guarded_get(client, "/x", {}, "web", total_timeout=-1.0)
        assert server.requests == 0


@contextmanager
def keep_alive_server(answers_per_connection: int) -> Iterator[tuple[str, list[int]]]:
    """Answers up to ``answers_per_connection`` requests on each connection, then closes it
    without a word (as a server ends an idle keep-alive connection); counts the requests of
    each connection it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    served: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            served.append(0)
            with conn:
                while served[-1] < answers_per_connection and conn.recv(65536):
                    served[-1] += 1
                    conn.sendall(KEPT_ALIVE)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", served
    finally:
        listener.close()
        thread.join(5)


def test_a_polling_client_keeps_its_connection_between_requests() -> None:
    with keep_alive_server(10) as (base_url, served), make_http_client(base_url) as client:
        for _ in range(3):
            assert guarded_get(client, "/x", {}, "web").body == b"{}"
        assert served == [3]


def test_a_kept_connection_the_server_closed_is_replaced_once() -> None:
    with keep_alive_server(1) as (base_url, served), make_http_client(base_url) as client:
        for _ in range(3):
            assert guarded_get(client, "/x", {}, "web").body == b"{}"
        assert served == [1, 1, 1]


def test_threads_share_a_client_each_with_its_own_connection() -> None:
    with FakeClaude() as server, make_http_client(server.start().base_url) as client:
        got: list[int] = []

        def ask() -> None:
            got.append(guarded_get(client, "/api/organizations", {}, "web").status)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert got == [401] * 4  # no cookie: each read its whole answer


# -- proxies from the environment ---------------------------------------------------------


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_the_environment_names_the_proxy_unless_no_proxy_or_loopback(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    assert proxy_for("https://claude.ai") is None
    no_proxy_env.setenv("HTTPS_PROXY", "http://alice:p%40ss@proxy.example:3128")
    proxy = proxy_for("https://claude.ai")
    assert proxy == Proxy(
        "proxy.example",
        3128,
        {"Proxy-Authorization": "Basic YWxpY2U6cEBzcw=="},  # alice:p@ss
    )
    assert "p@ss" not in repr(proxy)
    assert proxy_for("https://127.0.0.1:8443") is None  # a loopback test server: direct
    no_proxy_env.setenv("NO_PROXY", "example.org,claude.ai")
    assert proxy_for("https://claude.ai") is None
    assert proxy_for("https://api.anthropic.com") is not None
    no_proxy_env.delenv("HTTPS_PROXY")
    no_proxy_env.setenv("all_proxy", "proxy.example:8080")  # no scheme: an HTTP proxy
    assert proxy_for("https://api.anthropic.com") == Proxy("proxy.example", 8080)


def test_a_proxy_ClaudeMeter_cannot_speak_to_is_a_clear_error(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    no_proxy_env.setenv("https_proxy", "socks5://bob:SECRET@proxy.example:1080")
    with pytest.raises(ConfigurationError, match=r"claude\.ai \(socks5://\)") as raised:
        make_http_client("https://claude.ai")
    assert "SECRET" not in str(raised.value)


@contextmanager
def connect_proxy(refuse: bool = False) -> Iterator[tuple[Proxy, list[bytes]]]:
    """An HTTP proxy on loopback that tunnels ``CONNECT`` requests (or refuses them with
    407); keeps each request's head."""
    listener = socket.create_server(("127.0.0.1", 0))
    heads: list[bytes] = []

    def relay(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            head = conn.recv(65536)
            heads.append(head)
            if refuse:
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                conn.close()
                return
            host, _, port = head.split(b" ")[1].decode().rpartition(":")
            upstream = socket.create_connection((host, int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            back = threading.Thread(target=relay, args=(upstream, conn), daemon=True)
            back.start()
            relay(conn, upstream)
            back.join(5)
            conn.close()
            upstream.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield (
            Proxy("127.0.0.1", listener.getsockname()[1], {"Proxy-Authorization": "Basic eDp5"}),
            heads,
        )
    finally:
        listener.close()
        thread.join(5)


def test_a_request_goes_through_the_proxy_s_tunnel_with_tls_inside() -> None:
    with FakeClaude(tls=True) as server, connect_proxy() as (proxy, heads):
        server.start()
        assert server.cert_path is not None
        trusted = ssl.create_default_context(cafile=server.cert_path)
        with HttpClient(server.base_url, verify=trusted, proxy=proxy) as client:
            got = guarded_get(client, "/api/organizations", {}, "web")
        assert got.status == 401  # claude.ai's own answer, through the tunnel
        assert [entry.path for entry in server.request_log] == ["/api/organizations"]
        port = server.base_url.rsplit(":", 1)[1]
    (head,) = heads
    assert head.startswith(f"CONNECT 127.0.0.1:{port} HTTP/1.".encode())
    assert b"Proxy-Authorization: Basic eDp5" in head


def test_a_proxy_that_refuses_the_tunnel_is_told_in_words() -> None:
    with (
        connect_proxy(refuse=True) as (proxy, _),
        HttpClient("https://claude.ai", proxy=proxy) as client,
        pytest.raises(NetworkError) as raised,
    ):
        guarded_get(client, "/api/organizations", {}, "web")
    assert raised.value.message.startswith(
        "The proxy between this computer and claude.ai dropped the connection."
    )
