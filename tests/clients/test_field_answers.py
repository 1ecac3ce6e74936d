"""What the real servers do in 2026, played by the fake over real sockets (issue 15).

Claude Code's small ``User-Agent`` bucket and the per-token hold after a 429; the mid-2026
answer shapes; the region redirect; the web app's shell where data used to be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from claude_meter.clients.oauth import ClaudeCodeClient
from claude_meter.clients.web import WebClient
from claude_meter.core.models import FetchResult
from claude_meter.core.oauth_hold import HoldStore
from claude_meter.core.secret import Secret
from claude_meter.core.worst import worst_window
from claude_meter.fake import FakeClaude
from claude_meter.sources.claude_code import ClaudeCodeCredentials
from claude_meter.sources.claude_code_version import KNOWN_VERSION
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import NOW, TEST_OAUTH_TOKEN, TEST_SESSION_KEY


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def creds() -> ClaudeCodeCredentials:
    return ClaudeCodeCredentials(
        access_token=Secret(TEST_OAUTH_TOKEN),
        origin="test",
        expires_at=NOW + timedelta(days=1),
        scopes=("user:inference", "user:profile"),
    )


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude(
        "normal", session_key=TEST_SESSION_KEY, oauth_token=TEST_OAUTH_TOKEN, retry_after="0"
    ) as s:
        yield s


def oauth_poll(server: FakeClaude, clock: Clock, holds: Path, home: Path) -> FetchResult:
    """One poll by a fresh client, as a restarted tray or a new ``status`` would make."""
    with ClaudeCodeClient(
        creds(),
        server.base_url,
        clock=clock,
        holds=HoldStore(holds),
        env={"PATH": ""},
        home=home,
    ) as client:
        return client.fetch()


def usage_requests(server: FakeClaude) -> int:
    return sum(r.path == "/api/oauth/usage" for r in server.request_log)


def test_the_bucket_refuses_other_agents_and_claude_code_gets_numbers(
    server: FakeClaude, tmp_path: Path
) -> None:
    server.scenario = "ua-bucket"
    auth = {"Authorization": f"Bearer {TEST_OAUTH_TOKEN}", "anthropic-beta": "oauth-2025-04-20"}
    plain = httpx.get(f"{server.base_url}/api/oauth/usage", headers=auth)
    assert plain.status_code == 429
    assert plain.headers["retry-after"] == "0"
    result = oauth_poll(server, Clock(), tmp_path / "holds.json", tmp_path)
    assert result.error is None
    assert result.snapshots[0].windows
    sent = [r for r in server.request_log if r.path.startswith("/api/oauth/")][1:]
    assert {r.headers["User-Agent"] for r in sent} == {f"claude-code/{KNOWN_VERSION}"}
    assert {r.headers["anthropic-beta"] for r in sent} == {"oauth-2025-04-20"}


def test_the_installed_version_is_sent(server: FakeClaude, tmp_path: Path) -> None:
    server.scenario = "ua-bucket"
    (tmp_path / ".local" / "share" / "claude" / "versions").mkdir(parents=True)
    (tmp_path / ".local" / "share" / "claude" / "versions" / "2.1.123").write_text("")
    assert oauth_poll(server, Clock(), tmp_path / "h.json", tmp_path).error is None
    assert server.request_log[-1].headers["User-Agent"] == "claude-code/2.1.123"


def test_a_429_holds_the_token_across_restarts_on_the_ladder(
    server: FakeClaude, tmp_path: Path
) -> None:
    server.scenario = "rate-limited"  # Retry-After: 0, as the small bucket answers
    clock, holds = Clock(), tmp_path / "holds.json"
    first = oauth_poll(server, clock, holds, tmp_path)
    assert first.error is not None
    assert first.error.kind == "rate_limited"
    assert first.error.retry_at == NOW + timedelta(seconds=75)
    assert "next try at" in first.error.message
    assert usage_requests(server) == 1
    clock.now = NOW + timedelta(seconds=74)
    held = oauth_poll(server, clock, holds, tmp_path)  # a new client: a restart
    assert usage_requests(server) == 1  # nothing sent
    assert held.error is not None
    assert held.error.retry_at == NOW + timedelta(seconds=75)
    assert "(in <1m)" in held.error.message
    clock.now = NOW + timedelta(seconds=75)
    second = oauth_poll(server, clock, holds, tmp_path)
    assert usage_requests(server) == 2
    assert second.error is not None
    assert second.error.retry_at == clock.now + timedelta(minutes=3)  # the next rung
    server.scenario = "normal"
    clock.now += timedelta(minutes=3)
    assert oauth_poll(server, clock, holds, tmp_path).error is None
    assert json.loads(holds.read_text())["holds"] == {}  # numbers end the hold


def test_a_retry_after_ahead_is_obeyed(tmp_path: Path) -> None:
    with FakeClaude("rate-limited", oauth_token=TEST_OAUTH_TOKEN) as server:  # 120 s
        result = oauth_poll(server, Clock(), tmp_path / "h.json", tmp_path)
    assert result.error is not None
    assert result.error.retry_at == NOW + timedelta(seconds=120)


def test_refresh_now_passes_a_hold_once(server: FakeClaude, tmp_path: Path) -> None:
    server.scenario = "rate-limited"
    clock, holds = Clock(), tmp_path / "holds.json"
    oauth_poll(server, clock, holds, tmp_path)
    assert HoldStore(holds).allow_once() is True
    overridden = oauth_poll(server, clock, holds, tmp_path)
    assert usage_requests(server) == 2  # the one request the person asked for
    assert overridden.error is not None
    assert overridden.error.kind == "rate_limited"
    assert HoldStore(holds).allow_once() is False  # spent: pressing again sends nothing
    oauth_poll(server, clock, holds, tmp_path)
    assert usage_requests(server) == 2


def web_poll(server: FakeClaude, session_key: str = TEST_SESSION_KEY) -> FetchResult:
    cookies = SessionCookies.parse(f"sessionKey={session_key}")
    with WebClient(cookies, server.base_url, clock=Clock()) as client:
        return client.fetch().result


@pytest.mark.parametrize("route", ["web", "oauth"])
def test_new_shapes(server: FakeClaude, tmp_path: Path, route: str) -> None:
    server.scenario = "new-shapes"
    result = (
        web_poll(server)
        if route == "web"
        else oauth_poll(server, Clock(), tmp_path / "h.json", tmp_path)
    )
    snapshot = result.snapshots[0]
    assert snapshot.error is None
    windows = {w.key: w for w in snapshot.windows}
    fable = windows["seven_day_fable"]  # only in limits[]; its own key came back null
    assert (fable.label, fable.percent, fable.severity) == ("Weekly · Fable", 72.0, "warning")
    cowork = windows["seven_day_cowork"]
    assert (cowork.label, cowork.percent, cowork.surface) == ("Weekly · Cowork", 41.0, "cowork")
    assert windows["five_hour"].severity == "normal"
    worst = worst_window(snapshot.windows)
    assert worst is not None
    assert worst.key == "seven_day_fable"
    spend = snapshot.spend
    assert spend is not None
    assert spend.used is not None
    assert spend.balance is not None
    assert (spend.used.amount_minor, spend.used.currency, spend.percent) == (1875, "EUR", 19)
    assert spend.balance.amount_minor == 8125


@pytest.mark.parametrize(
    "key", [TEST_SESSION_KEY, "sk-ant-sid09-" + "b" * 40, "a-future-form-of-session-key"]
)
def test_any_session_key_prefix_works(key: str) -> None:
    with FakeClaude("normal", session_key=key) as server:
        result = web_poll(server, key)
    assert result.error is None
    assert result.snapshots[0].error is None


def test_region_redirect_is_its_own_message(server: FakeClaude) -> None:
    server.scenario = "region-redirect"
    result = web_poll(server)
    error = result.snapshots[0].error
    assert error is not None
    assert error.kind == "network"
    assert "claude.ai is not available from this network or region" in error.message
    assert "a VPN exit can cause this" in error.message
    assert not any(r.path.startswith("/app-unavailable") for r in server.request_log)


def test_the_app_shell_where_data_was_is_unexpected(server: FakeClaude) -> None:
    server.scenario = "spa-shell"
    error = web_poll(server).snapshots[0].error
    assert error is not None
    assert error.kind == "unexpected"
    assert "moved" in error.message
    assert "browser check" not in error.message
