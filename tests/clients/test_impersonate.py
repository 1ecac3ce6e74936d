"""The browser-like transport for claude.ai, over real sockets and real TLS.

The fake server's ``chrome-tls`` scenario reads each TLS ClientHello before the handshake and
challenges any client whose JA4 is not Chrome's: plain httpx is challenged, the browser-like
transport passes, and ``auto`` switches after the first challenge. The transport keeps every
guarantee of the httpx path (deadline, decoded-size cap, no redirects, typed errors, no secret
in a log), and both trust ``SSL_CERT_FILE`` for a loopback HTTPS override only.
"""

from __future__ import annotations

import gzip
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime

import pytest

from claude_meter.clients import challenged, impersonate, web_transport
from claude_meter.clients.http import BROWSER_USER_AGENT, ClientPool
from claude_meter.clients.impersonate import BrowserTransport
from claude_meter.clients.web import WebClient
from claude_meter.clients.web_transport import TransportMode
from claude_meter.core import paths
from claude_meter.core.errors import NetworkError, UnexpectedResponse
from claude_meter.fake import FakeClaude
from claude_meter.fake.server import CHROME_JA4
from claude_meter.sources.cookies import SessionCookies
from tests.clients.conftest import CannedServer
from tests.conftest import NOW, TEST_SESSION_KEY

COOKIE = {"Cookie": f"sessionKey={TEST_SESSION_KEY}"}


def clock() -> datetime:
    return NOW


def web_client(
    server: FakeClaude, transport: TransportMode, *, pool: ClientPool | None = None
) -> WebClient:
    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    return WebClient(cookies, server.base_url, transport=transport, pool=pool, clock=clock)


@pytest.fixture
def chrome_tls(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClaude]:
    """The fake over HTTPS, challenging non-Chrome TLS; its certificate is SSL_CERT_FILE."""
    with FakeClaude("chrome-tls", session_key=TEST_SESSION_KEY, tls=True) as server:
        assert server.cert_path is not None
        monkeypatch.setenv("SSL_CERT_FILE", server.cert_path)
        yield server


def test_plain_httpx_is_challenged(chrome_tls: FakeClaude) -> None:
    with web_client(chrome_tls, "httpx") as client:
        result = client.fetch().result
    assert result.error is not None
    assert result.error.kind == "cloudflare"
    seen = chrome_tls.request_log
    assert [r.path for r in seen] == ["/api/organizations"]
    assert seen[0].ja4 is not None
    assert seen[0].ja4_core not in CHROME_JA4


def test_the_browser_transport_passes_with_chromes_fingerprint(chrome_tls: FakeClaude) -> None:
    with web_client(chrome_tls, "browser") as client:
        result = client.fetch().result
    assert result.error is None
    assert result.snapshots[0].windows[0].percent == 37.0
    for request in chrome_tls.request_log:
        assert request.ja4_core in CHROME_JA4
        assert request.headers["user-agent"] == BROWSER_USER_AGENT
        assert request.headers["sec-fetch-mode"] == "cors"
        assert "sec-fetch-user" not in request.headers


def test_auto_switches_after_the_first_challenge_and_remembers(chrome_tls: FakeClaude) -> None:
    with web_client(chrome_tls, "auto") as client:
        assert client.fetch().result.error is None
        assert client.fetch().result.error is None
    log = chrome_tls.request_log
    assert log[0].path == log[1].path == "/api/organizations"
    assert log[0].ja4_core not in CHROME_JA4  # httpx, challenged
    assert all(r.ja4_core in CHROME_JA4 for r in log[1:])  # then never httpx again


def test_a_polling_app_remembers_the_network_across_clients(chrome_tls: FakeClaude) -> None:
    pool = ClientPool()
    try:
        for _ in range(3):
            with web_client(chrome_tls, "auto", pool=pool) as client:
                assert client.fetch().result.error is None
    finally:
        pool.close()
    challenged = [r for r in chrome_tls.request_log if r.ja4_core not in CHROME_JA4]
    assert len(challenged) == 1


def plain_requests(server: FakeClaude) -> int:
    """How many requests came with a TLS fingerprint that is not Chrome's (httpx's)."""
    return sum(r.ja4_core not in CHROME_JA4 for r in server.request_log)


def test_the_next_run_goes_straight_to_the_browser_transport(chrome_tls: FakeClaude) -> None:
    with web_client(chrome_tls, "auto") as client:  # a CLI run: no pool
        assert client.fetch().result.error is None
    with web_client(chrome_tls, "auto") as client:  # the next run, or the tray after a restart
        assert client.fetch().result.error is None
    assert plain_requests(chrome_tls) == 1
    record = (paths.state_dir() / challenged.FILE_NAME).read_text()
    assert "127.0.0.1" not in record  # networks are kept as hashes


def test_another_network_or_a_day_later_tries_httpx_again(
    chrome_tls: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    with web_client(chrome_tls, "auto") as client:
        assert client.fetch().result.error is None
    with monkeypatch.context() as patch, web_client(chrome_tls, "auto") as client:
        patch.setattr(web_transport, "network_of", lambda _: "192.0.2.7")  # another Wi-Fi
        assert client.fetch().result.error is None
    assert plain_requests(chrome_tls) == 2
    (paths.state_dir() / challenged.FILE_NAME).unlink()
    challenged.remember(chrome_tls.base_url, "127.0.0.1", time.time() - challenged.TTL - 1)
    with web_client(chrome_tls, "auto") as client:
        assert client.fetch().result.error is None
    assert plain_requests(chrome_tls) == 3


def test_a_damaged_record_counts_as_empty(chrome_tls: FakeClaude) -> None:
    record = paths.state_dir() / challenged.FILE_NAME
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text('{"abc": "tomorrow", "def": [1]')
    with web_client(chrome_tls, "auto") as client:
        assert client.fetch().result.error is None
    assert plain_requests(chrome_tls) == 1
    assert len(challenged.load(time.time())) == 1


def test_an_unchallenged_network_never_loads_the_browser_transport(
    chrome_tls: FakeClaude,
) -> None:
    chrome_tls.scenario = "normal"
    with web_client(chrome_tls, "auto") as client:
        assert client.fetch().result.error is None
        assert not client._wire.used_browser
    assert all(r.ja4_core not in CHROME_JA4 for r in chrome_tls.request_log)


def test_without_curl_cffi_it_stays_on_httpx_and_says_so(
    chrome_tls: FakeClaude, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "curl_cffi", None)  # as on a platform without a wheel
    monkeypatch.setattr(impersonate, "_checked", False)
    monkeypatch.setattr(impersonate, "_library", None)
    caplog.set_level(logging.INFO)
    with web_client(chrome_tls, "auto") as client:
        result = client.fetch().result
    assert result.error is not None
    assert result.error.kind == "cloudflare"
    assert "browser-like transport is not available" in caplog.text
    assert len(chrome_tls.request_log) == 1


def test_curls_own_user_agent_is_the_one_we_send(chrome_tls: FakeClaude) -> None:
    """The impersonated Chrome and BROWSER_USER_AGENT name the same version."""
    with closing(BrowserTransport(chrome_tls.base_url)) as transport:
        answer = transport.get("/api/organizations", COOKIE, "web")
    assert answer.status == 200
    assert chrome_tls.request_log[0].headers["user-agent"] == BROWSER_USER_AGENT


def test_no_secret_in_logs_or_errors(
    chrome_tls: FakeClaude, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with web_client(chrome_tls, "auto") as client:
        good = client.fetch().result
    chrome_tls.scenario = "cloudflare"
    with web_client(chrome_tls, "browser") as client:
        bad = client.fetch().result
    assert bad.error is not None
    text = caplog.text + good.model_dump_json() + bad.model_dump_json()
    text += repr(chrome_tls.request_log)
    assert TEST_SESSION_KEY not in text
    assert "TESTSECRET" not in text


# -- the httpx path's guarantees, on the browser-like transport ------------------------------


def test_without_the_certificate_tls_fails_as_a_network_error(
    chrome_tls: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    with (
        closing(BrowserTransport(chrome_tls.base_url)) as transport,
        pytest.raises(NetworkError, match="secure connection"),
    ):
        transport.get("/api/organizations", COOKIE, "web")


def test_total_deadline_bounds_a_dripping_answer(dripping_server: str) -> None:
    with (
        closing(BrowserTransport(dripping_server)) as transport,
        pytest.raises(NetworkError, match="in time"),
    ):
        transport.get("/api/organizations", {}, "web", total_timeout=0.3)


def test_the_size_cap_counts_decoded_bytes(canned: type[CannedServer]) -> None:
    bomb = gzip.compress(b"0" * (3 * 1024 * 1024))
    server = canned(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        + f"Content-Length: {len(bomb)}\r\n\r\n".encode()
        + bomb
    )
    assert len(bomb) < 64 * 1024
    with (
        closing(BrowserTransport(server.base_url)) as transport,
        pytest.raises(UnexpectedResponse, match="larger than 2048 KiB"),
    ):
        transport.get("/api/organizations", {}, "web")


def test_redirects_are_not_followed(canned: type[CannedServer]) -> None:
    server = canned(
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"
    )
    with closing(BrowserTransport(server.base_url)) as transport:
        answer = transport.get("/api/organizations", COOKIE, "web")
    assert answer.status == 302
    assert answer.headers["location"] == "http://127.0.0.1:1/elsewhere"
    assert len(server.requests) == 1


def test_a_dead_port_is_a_network_error() -> None:
    with (
        closing(BrowserTransport("http://127.0.0.1:1")) as transport,
        pytest.raises(NetworkError, match="refused"),
    ):
        transport.get("/api/organizations", COOKIE, "web")
