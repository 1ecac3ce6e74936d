"""The tray's beginning before Qt: the parts its first poll needs, and that poll on its way,
against the fake claude.ai over real sockets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from claude_meter.core import paths
from claude_meter.fake import FakeClaude
from claude_meter.poll.beginning import begin
from tests.conftest import TEST_SESSION_KEY


def _env(server: FakeClaude) -> dict[str, str]:
    return {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
    }


def test_the_first_poll_is_on_its_way_and_its_parts_are_kept(fake_server: FakeClaude) -> None:
    begun = begin(_env(fake_server), demo=False)
    try:
        assert begun.first_poll is not None
        assert begun.first_poll.early
        assert begun.keyring is not None
        assert begun.saved is not None  # read once: the meter gets the same
        assert begun.loaded.settings.source == "auto"
        result = begun.first_poll()  # the early poll's result, not a second request
        assert result.error is None
        assert result.snapshots
        asked = [r.path for r in fake_server.request_log]
        assert asked.count("/api/organizations") == 1
        assert begun.fetcher.settings is begun.loaded.settings
    finally:
        begun.pool.close()


def test_a_saved_deadline_still_ahead_holds_the_first_poll_back(fake_server: FakeClaude) -> None:
    ahead = datetime.now(UTC) + timedelta(minutes=5)
    paths.state_dir().mkdir(parents=True, exist_ok=True)
    state = {"not_before": {"web": ahead.isoformat()}}
    (paths.state_dir() / "state.json").write_text(json.dumps(state), encoding="utf-8")
    begun = begin(_env(fake_server), demo=False)
    try:
        assert begun.first_poll is not None
        assert not begun.first_poll.early
        assert fake_server.request_log == []  # the worker waits it out and polls itself
    finally:
        begun.pool.close()


def test_the_demo_begins_without_the_keyring_or_a_poll(fake_server: FakeClaude) -> None:
    begun = begin(_env(fake_server), demo=True)
    try:
        assert begun.keyring is None
        assert begun.keyring_child is None
        assert begun.first_poll is None
        assert begun.saved is None
        assert fake_server.request_log == []
    finally:
        begun.pool.close()
