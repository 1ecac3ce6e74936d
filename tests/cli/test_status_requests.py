"""``claude-meter status`` asks claude.ai once per organization when it knows the list (issue 19).

The organization list, the account and the extras are remembered for 30 minutes in the state
folder (``clients/remembered.py``), as the tray keeps them in memory. Counted on the fake
server's request log, over real sockets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_meter.clients.remembered import FILE_NAME
from claude_meter.core import paths
from claude_meter.fake import FakeClaude
from tests.cli.test_status import point_at, run
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY


def asked(fake_server: FakeClaude) -> list[str]:
    """The paths asked since the last call, and a fresh log for the next."""
    seen = [r.path for r in fake_server.request_log]
    fake_server.request_log.clear()
    return seen


def status_json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run(["status", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def without_time(data: dict[str, object]) -> object:
    organizations = data["organizations"]
    assert isinstance(organizations, list)
    return [
        {
            **org,
            "windows": [{k: v for k, v in w.items() if k != "forecast"} for w in org["windows"]],
        }
        for org in organizations
    ]


def remembered_file() -> Path:
    return paths.state_dir() / FILE_NAME


def test_known_organizations_cost_one_request_each_and_the_same_output(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_server.scenario = "multi-org"
    point_at(monkeypatch, fake_server)
    first = status_json(capsys)
    first_paths = asked(fake_server)
    assert "/api/organizations" in first_paths
    assert "/api/account" in first_paths
    assert any(p.endswith("/overage_spend_limit") for p in first_paths)
    organizations = first["organizations"]
    assert isinstance(organizations, list)
    assert len(organizations) >= 2
    second = status_json(capsys)
    second_paths = asked(fake_server)
    assert sorted(second_paths) == sorted(
        f"/api/organizations/{org['uuid']}/usage" for org in organizations
    )
    # the same numbers and details, extras included; only the reading's time and the
    # forecast (two readings now) may differ
    assert without_time(second) == without_time(first)
    text = remembered_file().read_text(encoding="utf-8")
    assert TEST_SESSION_KEY not in text
    assert TEST_SESSION_KEY.split("-")[-1] not in text


def test_after_30_minutes_the_list_and_extras_are_asked_again(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    status_json(capsys)
    first = asked(fake_server)
    assert len(first) == 5  # organizations, account, usage, overage, subscription
    stored = json.loads(remembered_file().read_text(encoding="utf-8"))
    aged = {key: [0, value] for key, (_, value) in stored.items()}  # expired in 1970
    remembered_file().write_text(json.dumps(aged), encoding="utf-8")
    status_json(capsys)
    assert sorted(asked(fake_server)) == sorted(first)
    status_json(capsys)
    assert len(asked(fake_server)) == 1


def test_a_failed_usage_forgets_the_list(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    status_json(capsys)
    asked(fake_server)
    fake_server.scenario = "malformed"
    code, _, _ = run(["status", "--json"], capsys)
    assert code != 0
    asked(fake_server)
    fake_server.scenario = "normal"
    status_json(capsys)
    assert "/api/organizations" in asked(fake_server)  # the list may be what changed


def test_a_damaged_file_is_asked_past(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    status_json(capsys)
    stored = json.loads(remembered_file().read_text(encoding="utf-8"))
    first = asked(fake_server)
    damaged = {key: [entry[0], {"organizations": "no"}] for key, entry in stored.items()}
    remembered_file().write_text(json.dumps(damaged), encoding="utf-8")
    status_json(capsys)
    assert sorted(asked(fake_server)) == sorted(first)
    remembered_file().write_text("{not json", encoding="utf-8")
    status_json(capsys)
    assert sorted(asked(fake_server)) == sorted(first)


def test_claude_code_route_asks_the_profile_once(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server, cookie=False)
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", TEST_OAUTH_TOKEN)
    code, first_out, _ = run(["status", "--source", "claude-code", "--json"], capsys)
    assert code == 0
    assert sorted(asked(fake_server)) == ["/api/oauth/profile", "/api/oauth/usage"]
    code, second_out, _ = run(["status", "--source", "claude-code", "--json"], capsys)
    assert code == 0
    assert asked(fake_server) == ["/api/oauth/usage"]
    first, second = json.loads(first_out), json.loads(second_out)
    assert first["organizations"][0]["email"] == second["organizations"][0]["email"]
    assert first["organizations"][0]["uuid"] == second["organizations"][0]["uuid"]
    text = remembered_file().read_text(encoding="utf-8")
    assert TEST_OAUTH_TOKEN not in text
