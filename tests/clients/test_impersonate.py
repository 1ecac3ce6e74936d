"""The browser-like transport for claude.ai, over real sockets and real TLS.

The fake server's ``chrome-tls`` scenario reads each TLS ClientHello before the handshake and
challenges any client whose JA4 is not Chrome's: plain httpx is challenged, the browser-like
transport passes (``auto``'s switch between them is in ``test_web_transport.py``, which CA
each trusts in ``test_trust.py``). The transport keeps every guarantee of the httpx path
(deadline, decoded-size cap, no redirects, typed errors, no secret in a log).
"""

from __future__ import annotations

import gzip
import logging
from contextlib import closing

import msgspec
import pytest

from claude_meter.clients.http import BROWSER_USER_AGENT
from claude_meter.clients.impersonate import BrowserTransport
from claude_meter.core.errors import NetworkError, UnexpectedResponse
from claude_meter.fake import FakeClaude
from claude_meter.fake.server import CHROME_JA4
from tests.clients.conftest import CannedServer, web_client
from tests.conftest import TEST_SESSION_KEY

COOKIE = {"Cookie": f"sessionKey={TEST_SESSION_KEY}"}


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
    text = caplog.text + msgspec.json.encode((good, bad)).decode()
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
    assert answer.headers.get("location") == "http://127.0.0.1:1/elsewhere"
    assert len(server.requests) == 1


def test_a_dead_port_is_a_network_error() -> None:
    with (
        closing(BrowserTransport("http://127.0.0.1:1")) as transport,
        pytest.raises(NetworkError, match="refused"),
    ):
        transport.get("/api/organizations", COOKIE, "web")
