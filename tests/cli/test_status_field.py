"""``claude-meter status`` against what the real servers do in 2026 (issue 15), over sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_meter.core.settings import Settings, save_settings
from claude_meter.fake import FakeClaude
from tests.cli.test_status import point_at, run
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude(
        "normal", session_key=TEST_SESSION_KEY, oauth_token=TEST_OAUTH_TOKEN, retry_after="0"
    ) as s:
        yield s


@pytest.fixture
def claude_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Claude Code signed in on this (temporary) home."""
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", TEST_OAUTH_TOKEN)


def usage_requests(server: FakeClaude) -> int:
    return sum(r.path == "/api/oauth/usage" for r in server.request_log)


@pytest.mark.usefixtures("claude_code")
def test_status_honours_the_hold_and_says_when_the_next_try_is(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.scenario = "rate-limited"
    point_at(monkeypatch, server, cookie=False)
    first, _, err = run(["status", "--source", "claude-code"], capsys)
    assert first == 3
    assert "next try at" in err
    second, out, _ = run(["status", "--source", "claude-code", "--json"], capsys)
    assert second == 3
    error = json.loads(out)["error"]
    assert error["kind"] == "rate_limited"
    assert error["retry_at"] is not None
    assert "sends nothing before the next try at" in error["message"]
    assert usage_requests(server) == 1  # the second run asked nothing


def test_new_shapes_in_json_and_text(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.scenario = "new-shapes"
    point_at(monkeypatch, server)
    status, out, _ = run(["status", "--json"], capsys)
    assert status == 0
    org = json.loads(out)["organizations"][0]
    windows = {w["key"]: w for w in org["windows"]}
    assert windows["seven_day_fable"]["severity"] == "warning"
    assert windows["seven_day_cowork"]["surface"] == "cowork"
    assert "surface" not in windows["five_hour"]  # only what the server sent
    assert org["worst"] == {"key": "seven_day_fable", "percent": 72.0}
    assert org["spend"]["used"] == {"amount_minor": 1875, "currency": "EUR", "exponent": 2}
    assert org["spend"]["percent"] == 19
    status, out, _ = run(["status"], capsys)
    fable = next(line for line in out.splitlines() if "Weekly · Fable" in line)
    assert " 72%" in fable
    assert "server warning" in fable
    assert any("Spend" in line and "€18.75 of €100.00 (19%)" in line for line in out.splitlines())


@pytest.mark.parametrize(
    ("scenario", "status", "phrase"),
    [
        ("region-redirect", 3, "a VPN exit can cause this"),
        ("spa-shell", 4, "has probably moved"),
    ],
)
def test_region_and_moved_endpoint(
    scenario: str,
    status: int,
    phrase: str,
    server: FakeClaude,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.scenario = scenario
    point_at(monkeypatch, server)
    got, out, _ = run(["status", "--json"], capsys)
    assert got == status
    assert phrase in json.loads(out)["organizations"][0]["error"]["message"]


@pytest.mark.usefixtures("claude_code")
def test_the_challenge_fallback_is_opt_in_and_says_so(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.scenario = "cloudflare"
    point_at(monkeypatch, server)
    status, out, _ = run(["status", "--json"], capsys)
    assert status == 3  # not chosen: never switched silently
    assert json.loads(out)["organizations"] == []
    assert usage_requests(server) == 0
    save_settings(Settings(challenge_fallback=True))
    status, out, _ = run(["status", "--json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["source"] == "claude-code"
    assert data["organizations"][0]["fallback_from"] == "web"
    assert data["organizations"][0]["windows"]
    status, out, _ = run(["status"], capsys)
    assert "read via Claude Code's sign-in: claude.ai asked for a browser check" in out
    status, _, _ = run(["status", "--source", "web"], capsys)
    assert status == 3  # only `auto` falls back


def test_a_fallback_that_fails_too_is_said(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.scenario = "cloudflare"
    point_at(monkeypatch, server)
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-not-the-one-the-server-knows")
    save_settings(Settings(challenge_fallback=True))
    status, out, _ = run(["status", "--json"], capsys)
    assert status == 3  # still the challenge, never the fallback's "sign in" (exit 2)
    error = json.loads(out)["error"]
    assert error["kind"] == "cloudflare"
    assert "The fallback through Claude Code's sign-in failed too:" in error["message"]
    assert "run `claude`" in error["message"]
    assert usage_requests(server) == 1


def test_a_damaged_settings_file_is_left_for_the_tray(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from claude_meter.core.settings import settings_path

    path: Path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("{damaged")
    point_at(monkeypatch, server)
    status, _, _ = run(["status"], capsys)
    assert status == 0
    assert path.read_text() == "{damaged"  # status did not move it aside
