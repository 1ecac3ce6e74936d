"""The Claude Code client: read-only token, expiry, scope, and the shared error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from claude_meter.clients.oauth import ClaudeCodeClient, held_message
from claude_meter.core.secret import Secret
from claude_meter.fake import FakeClaude
from claude_meter.sources.claude_code import ClaudeCodeCredentials
from tests.conftest import NOW, TEST_OAUTH_TOKEN, TEST_SESSION_KEY


def clock() -> datetime:
    return NOW


def creds(**kwargs: object) -> ClaudeCodeCredentials:
    values: dict[str, object] = {
        "access_token": Secret(TEST_OAUTH_TOKEN),
        "origin": "test",
        "expires_at": NOW + timedelta(hours=1),
        "scopes": ("user:inference", "user:profile"),
    }
    values.update(kwargs)
    return ClaudeCodeCredentials(**values)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude("normal", session_key=TEST_SESSION_KEY, oauth_token=TEST_OAUTH_TOKEN) as s:
        s.start()
        yield s


def test_reads_usage_and_profile(server: FakeClaude) -> None:
    with ClaudeCodeClient(creds(), server.base_url, clock=clock) as client:
        result = client.fetch()
    assert result.error is None
    snap = result.snapshots[0]
    assert snap.source == "claude-code"
    assert snap.account_email
    assert snap.org_name
    assert {w.key: w.percent for w in snap.windows}["five_hour"] == 37.0
    sent = [r for r in server.request_log if r.path.startswith("/api/oauth/")]
    assert {r.path for r in sent} == {"/api/oauth/usage", "/api/oauth/profile"}
    assert all(r.authenticated for r in sent)
    assert all(r.method == "GET" for r in server.request_log)  # never a refresh


def test_expired_token_is_not_sent_and_says_run_claude(server: FakeClaude) -> None:
    expired = creds(expires_at=NOW - timedelta(seconds=1))
    with ClaudeCodeClient(expired, server.base_url, clock=clock) as client:
        result = client.fetch()
    assert result.error is not None
    assert result.error.kind == "session_expired"
    assert "run `claude` once to renew the sign-in" in result.error.message
    assert server.request_log == []


def test_missing_profile_scope_says_so(server: FakeClaude) -> None:
    setup_token = creds(scopes=("user:inference",))
    with ClaudeCodeClient(setup_token, server.base_url, clock=clock) as client:
        result = client.fetch()
    assert result.error is not None
    assert result.error.kind == "not_signed_in"
    assert "user:profile" in result.error.message


@pytest.mark.parametrize(
    ("scenario", "kind"),
    [("expired", "session_expired"), ("rate-limited", "rate_limited"), ("malformed", "unexpected")],
)
def test_error_scenarios(server: FakeClaude, scenario: str, kind: str) -> None:
    server.scenario = scenario
    with ClaudeCodeClient(creds(), server.base_url, clock=clock) as client:
        result = client.fetch()
    assert result.error is not None
    assert result.error.kind == kind


def test_wrong_token_is_expired_sign_in(server: FakeClaude) -> None:
    wrong = creds(access_token=Secret("sk-ant-oat01-wrong"))
    with ClaudeCodeClient(wrong, server.base_url, clock=clock) as client:
        result = client.fetch()
    assert result.error is not None
    assert result.error.kind == "session_expired"
    assert "run `claude`" in result.error.message


def test_a_polling_app_asks_for_the_profile_only_every_half_hour(server: FakeClaude) -> None:
    """The OAuth usage endpoint's budget is small: each poll is one request, not two."""
    from claude_meter.clients.http import ClientPool

    now = [0.0]
    pool = ClientPool(clock=lambda: now[0])
    try:
        emails = []
        for minute in (0, 3, 6, 29, 31):
            now[0] = minute * 60.0
            with ClaudeCodeClient(creds(), server.base_url, pool=pool, clock=clock) as client:
                emails.append(client.fetch().snapshots[0].account_email)
    finally:
        pool.close()
    paths = [r.path for r in server.request_log]
    assert paths.count("/api/oauth/usage") == 5
    assert paths.count("/api/oauth/profile") == 2  # at minute 0 and again after 30 minutes
    assert len(set(emails)) == 1
    assert emails[0]


def test_a_hold_that_ends_after_midnight_says_the_day() -> None:
    """The hold after a 429 lasts up to 6 hours: from 23:00 its end is on the next day, and
    "03:05" alone would read as a time already past."""
    evening = datetime(2026, 12, 6, 23, 0).astimezone()
    tomorrow = (evening + timedelta(days=1)).replace(hour=3, minute=5)
    said = held_message(tomorrow, evening)
    assert f"the next try at {tomorrow.strftime('%a')} 03:05 (in 4h 5m)" in said
    assert "the next try at 23:30 (in 30m)" in held_message(
        evening + timedelta(minutes=30), evening
    )
