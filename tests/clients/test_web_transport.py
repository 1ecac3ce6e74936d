"""Which transport carries a claude.ai request (:mod:`claude_meter.clients.web_transport`):
httpx first, the browser-like transport after a challenge, remembered per network, against
the fake's ``chrome-tls`` scenario over real TLS."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from claude_meter.clients import challenged, impersonate, web_transport
from claude_meter.clients.http import ClientPool
from claude_meter.clients.web_transport import network_of, transport_mode
from claude_meter.core import paths
from claude_meter.core.errors import ConfigurationError
from claude_meter.fake import FakeClaude
from claude_meter.fake.server import CHROME_JA4
from tests.clients.conftest import web_client


def test_transport_mode_from_the_environment() -> None:
    assert transport_mode({}) == "auto"
    assert transport_mode({"CLAUDE_METER_TRANSPORT": "Browser"}) == "browser"
    with pytest.raises(ConfigurationError, match="one of auto, browser, httpx"):
        transport_mode({"CLAUDE_METER_TRANSPORT": "chrome"})


def test_the_network_is_the_local_address_toward_the_server() -> None:
    assert network_of("https://127.0.0.1:8443") == "127.0.0.1"
    assert network_of("https://[::1]:8443") == "::1"
    assert network_of("https://no-such-host.invalid") == ""


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
