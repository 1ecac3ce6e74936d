"""The claude.ai client against the fake server over real sockets: every scenario and error."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import msgspec
import pytest

from claude_meter.clients.http import (
    ClientPool,
    Timeouts,
    guarded_get,
    make_http_client,
)
from claude_meter.clients.web import WebClient
from claude_meter.core.errors import NetworkError
from claude_meter.fake import FakeClaude
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import NOW, TEST_OAUTH_TOKEN, TEST_SESSION_KEY


def clock() -> datetime:
    return NOW


def client_for(
    server: FakeClaude, cookie: str | None = None, *, pool: ClientPool | None = None
) -> WebClient:
    cookies = SessionCookies.parse(cookie or f"sessionKey={TEST_SESSION_KEY}")
    return WebClient(cookies, server.base_url, pool=pool, clock=clock)


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude("normal", session_key=TEST_SESSION_KEY, oauth_token=TEST_OAUTH_TOKEN) as s:
        s.start()
        yield s


def test_normal_reads_every_plan_org_and_skips_console_orgs(server: FakeClaude) -> None:
    with client_for(server) as client:
        fetched = client.fetch()
    result = fetched.result
    assert result.error is None
    assert fetched.rotated is None
    assert len(result.snapshots) == 1
    snap = result.snapshots[0]
    assert snap.error is None
    assert snap.org_name == "Personal"
    assert snap.account_email
    assert snap.plan
    keys = [w.key for w in snap.windows]
    assert keys[:2] == ["five_hour", "seven_day"]
    assert {w.key: w.percent for w in snap.windows}["five_hour"] == 37.0
    assert snap.extra_usage is not None
    assert snap.extra_usage.currency == "USD"
    paths = [r.path for r in server.request_log]
    assert "/api/organizations" in paths
    assert not any("/usage" in p and "console" in p.lower() for p in paths)


def test_sends_what_the_settings_page_sends(server: FakeClaude) -> None:
    cookie = f"anthropic-device-id=d1; sessionKey={TEST_SESSION_KEY}; cf_clearance=cf1"
    with client_for(server, cookie) as client:
        client.fetch()
    usage = next(r for r in server.request_log if r.path.endswith("/usage"))
    headers = {k.lower(): v for k, v in usage.headers.items()}
    assert headers["referer"].endswith("/settings/usage")
    assert headers["accept"] == "*/*"
    assert "Mozilla/5.0" in headers["user-agent"]
    assert headers["cookie"] == "<redacted>"
    assert usage.authenticated


def test_multi_org_lists_every_org_with_the_hint_first(server: FakeClaude) -> None:
    server.scenario = "multi-org"
    with client_for(server) as client:
        names = [s.org_name for s in client.fetch().result.snapshots]
    assert names == ["Personal", "Acme Team"]
    second = None
    with client_for(server) as client:
        first = client.fetch().result.snapshots
        second = first[1].org_uuid
    with client_for(server, f"sessionKey={TEST_SESSION_KEY}; lastActiveOrg={second}") as client:
        names = [s.org_name for s in client.fetch().result.snapshots]
    assert names == ["Acme Team", "Personal"]


def test_limits_only_shows_the_weekly_figure(server: FakeClaude) -> None:
    server.scenario = "limits-only"
    with client_for(server) as client:
        snap = client.fetch().result.snapshots[0]
    got = {w.key: w.percent for w in snap.windows}
    assert got["seven_day"] == 64.0
    assert got["seven_day_opus"] == 33.0


def test_fraction_scale_report(server: FakeClaude) -> None:
    server.scenario = "fraction-scale"
    with client_for(server) as client:
        snap = client.fetch().result.snapshots[0]
    got = {w.key: w.percent for w in snap.windows}
    assert got["five_hour"] == pytest.approx(42.0)
    assert got["seven_day_opus"] == pytest.approx(1.0)


def test_enterprise_has_only_extra_usage_in_its_currency(server: FakeClaude) -> None:
    server.scenario = "enterprise"
    with client_for(server) as client:
        snap = client.fetch().result.snapshots[0]
    assert snap.windows == ()
    assert snap.extra_usage is not None
    assert snap.extra_usage.currency == "EUR"
    assert snap.overage is not None
    assert snap.overage.currency == "EUR"


@pytest.mark.parametrize(
    ("scenario", "kind", "phrase"),
    [
        ("expired", "session_expired", "Sign in to claude.ai"),
        ("cloudflare", "cloudflare", "browser check"),
    ],
)
def test_whole_poll_errors(server: FakeClaude, scenario: str, kind: str, phrase: str) -> None:
    server.scenario = scenario
    with client_for(server) as client:
        result = client.fetch().result
    assert result.snapshots == ()
    assert result.error is not None
    assert result.error.kind == kind
    assert phrase in result.error.message


def test_cloudflare_is_never_reported_as_expired(server: FakeClaude) -> None:
    server.scenario = "cloudflare"
    with client_for(server) as client:
        result = client.fetch().result
    assert result.error is not None
    assert "expired" not in result.error.message.lower()
    assert "sign in" not in result.error.message.lower()


def test_wrong_cookie_is_an_expired_session(server: FakeClaude) -> None:
    with client_for(server, "sessionKey=not-the-right-one") as client:
        result = client.fetch().result
    assert result.error is not None
    assert result.error.kind == "session_expired"


def test_rate_limited_keeps_the_org_and_says_until_when(server: FakeClaude) -> None:
    server.scenario = "rate-limited"
    with client_for(server) as client:
        result = client.fetch().result
    snap = result.snapshots[0]
    assert snap.error is not None
    assert snap.error.kind == "rate_limited"
    assert snap.error.retry_at == NOW + timedelta(seconds=120)
    assert "try again at" in snap.error.message


def test_malformed_usage_is_unexpected_per_org(server: FakeClaude) -> None:
    server.scenario = "malformed"
    kinds = set()
    for _ in range(4):  # the scenario rotates through several broken shapes
        with client_for(server) as client:
            snap = client.fetch().result.snapshots[0]
        assert snap.error is not None
        kinds.add(snap.error.kind)
    assert kinds == {"unexpected"}


def test_flaky_never_raises_and_yields_only_known_outcomes() -> None:
    outcomes = set()
    with FakeClaude("flaky", session_key=TEST_SESSION_KEY, seed=7) as server:
        server.start()
        for _ in range(25):
            with client_for(server) as client:
                result = client.fetch().result
            if result.error is not None:
                outcomes.add(result.error.kind)
            for snap in result.snapshots:
                outcomes.add(snap.error.kind if snap.error else "ok")
    assert "ok" in outcomes
    assert outcomes - {"ok"}, "the flaky scenario should fail some polls"
    assert outcomes <= {"ok", "server", "network", "unexpected"}


def test_rotated_session_key_is_handed_back() -> None:
    with FakeClaude(
        "normal", session_key=TEST_SESSION_KEY, rotate_to="sk-ant-sid02-ROTATED-1"
    ) as server:
        server.start()
        with client_for(server) as client:
            fetched = client.fetch()
            assert fetched.rotated is not None
            assert fetched.rotated.session_key.reveal() == "sk-ant-sid02-ROTATED-1"
            again = client.fetch()  # the new key is used from then on
        assert again.result.error is None
        assert again.rotated is None
        assert "ROTATED" not in repr(fetched)


def test_https_with_the_generated_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeClaude("normal", session_key=TEST_SESSION_KEY, tls=True) as server:
        server.start()
        assert server.base_url.startswith("https://")
        assert server.cert_path is not None
        monkeypatch.setenv("SSL_CERT_FILE", server.cert_path)  # trusted for loopback only
        with client_for(server) as client:
            assert client.fetch().result.error is None
        # Without trusting that certificate, TLS fails as a network error, not a crash.
        monkeypatch.delenv("SSL_CERT_FILE")
        cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
        with WebClient(cookies, server.base_url, clock=clock) as strict:
            result = strict.fetch().result
    assert result.error is not None
    assert result.error.kind == "network"
    assert "secure connection" in result.error.message


def test_dead_port_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    with WebClient(cookies, f"http://127.0.0.1:{port}", clock=clock) as client:
        result = client.fetch().result
    assert result.error is not None
    assert result.error.kind == "network"
    assert "refused" in result.error.message
    assert TEST_SESSION_KEY not in msgspec.json.encode(result).decode()


def test_total_deadline_bounds_a_dripping_answer(dripping_server: str) -> None:
    with make_http_client(dripping_server) as http, pytest.raises(NetworkError, match="in time"):
        guarded_get(http, "/api/organizations", {}, "web", total_timeout=0.3)


def test_size_cap(server: FakeClaude) -> None:
    from claude_meter.core.errors import UnexpectedResponse

    with make_http_client(server.base_url) as http, pytest.raises(UnexpectedResponse):
        guarded_get(
            http,
            "/api/organizations",
            {"Cookie": f"sessionKey={TEST_SESSION_KEY}"},
            "web",
            max_body=10,
        )


def test_a_polling_app_asks_for_the_org_list_and_extras_only_now_and_then(
    server: FakeClaude,
) -> None:
    pool = ClientPool()
    try:
        for _ in range(3):
            with client_for(server, pool=pool) as client:
                assert client.fetch().result.error is None
        paths = [r.path for r in server.request_log]
        assert paths.count("/api/organizations") == 1
        assert paths.count("/api/account") == 1
        assert sum(p.endswith("/overage_spend_limit") for p in paths) == 1
        assert sum(p.endswith("/usage") for p in paths) == 3
        server.scenario = "expired"
        with client_for(server, pool=pool) as client:
            expired = client.fetch().result  # the cached list: the org's usage says expired
        assert [s.error.kind for s in expired.snapshots if s.error] == ["session_expired"]
        server.scenario = "normal"
        with client_for(server, pool=pool) as client:  # after an error the list is asked for again
            assert client.fetch().result.error is None
        assert [r.path for r in server.request_log].count("/api/organizations") == 2
    finally:
        pool.close()


def test_short_client_timeouts_shorten_the_total_deadline(dripping_server: str) -> None:
    """A soak's client (read timeout 0.2 s) gives up in well under a second, not in 20 s."""
    import time

    quick = Timeouts(connect=0.2, read=0.2)
    with make_http_client(dripping_server, timeouts=quick) as http:
        started = time.monotonic()
        with pytest.raises(NetworkError, match="in time"):
            guarded_get(http, "/api/organizations", {}, "web")
    assert time.monotonic() - started < 5.0


@pytest.fixture
def broken_org_list() -> Iterator[str]:
    """claude.ai answering the organization list with entries that are not organizations."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body: object = [{"five_hour": 37}]
            if self.path == "/api/account":
                body = {"memberships": [{"organization": {"uuid": "console-org"}}]}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_an_org_list_without_a_single_org_is_a_changed_answer(broken_org_list: str) -> None:
    """Not a reason to fall back to the account's memberships (they include console orgs)."""
    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    with WebClient(cookies, broken_org_list, clock=clock) as client:
        result = client.fetch().result
    assert result.error is not None
    assert result.error.kind == "unexpected"
    assert result.snapshots == ()
