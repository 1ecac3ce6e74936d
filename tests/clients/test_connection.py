"""HTTP/1.1 connections (:mod:`claude_meter.clients.connection`): kept alive between requests,
shared by threads, through the environment's proxy, against real servers on loopback. The
total deadline and the caps are in test_hostile_answers.py and test_web.py."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from claude_meter.clients.connection import HttpClient, Proxy, proxy_for
from claude_meter.clients.http import guarded_get, make_http_client
from claude_meter.core.errors import ConfigurationError, NetworkError
from claude_meter.fake import FakeClaude

KEPT_ALIVE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


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


def test_a_request_goes_through_the_proxy_s_tunnel_with_tls_inside(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    with FakeClaude(tls=True) as server, connect_proxy() as (proxy, heads):
        server.start()
        assert server.cert_path is not None
        no_proxy_env.setenv("SSL_CERT_FILE", server.cert_path)  # trusted for loopback only
        with HttpClient(server.base_url, proxy=proxy) as client:
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


def test_the_client_hello_is_the_one_httpx_sent(no_proxy_env: pytest.MonkeyPatch) -> None:
    """TLS 1.3, HTTP/1.1 offered by ALPN: claude.ai sees the same JA4 as before (protocol.md)."""
    with FakeClaude(tls=True) as server:
        server.start()
        assert server.cert_path is not None
        no_proxy_env.setenv("SSL_CERT_FILE", server.cert_path)
        with make_http_client(server.base_url) as client:
            guarded_get(client, "/api/organizations", {}, "web")
        (entry,) = server.request_log
    assert entry.ja4 == "t13i1811h1_85036bcba153_d41ae481755e"
