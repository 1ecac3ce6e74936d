"""The state that survives a restart (``state.json``): it round-trips, a missing or unreadable
file is a fresh start with one log line, a failed save is logged and never raised, and
nothing but the two tables (and which deadlines are a sign-in error's) is kept."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from claude_meter.core import paths
from claude_meter.core.state import SavedState, default_path, load_state, save_state
from tests.conftest import NOW

STATE = SavedState(
    not_before={"web": NOW + timedelta(minutes=5), "oauth": NOW},
    notified={"org-1|five_hour|80": "2026-11-25T13:00:00+00:00"},
    sign_in_backoff=("web",),
)


def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    save_state(STATE, path)
    assert load_state(path) == STATE
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {
        "not_before",
        "notified",
        "sign_in_backoff",
    }
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary file left


def test_the_default_place_is_the_state_folder() -> None:
    assert default_path() == paths.state_dir() / "state.json"
    assert load_state() == SavedState()  # nothing saved yet: a fresh start, quietly
    save_state(STATE)
    assert load_state() == STATE


@pytest.mark.parametrize(
    "content",
    [
        b"{half",
        b"[]",
        b'{"not_before": {"web": "not a time"}}',
        b'{"notified": {"key": 7}}',
        b"\xff\xfe",
    ],
)
def test_an_unreadable_file_is_a_fresh_start(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    caplog.set_level(logging.WARNING)
    assert load_state(path) == SavedState()
    assert f"Ignoring unreadable state file {path}" in caplog.text
    assert "starting fresh" in caplog.text


def test_keys_of_a_newer_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({**STATE.model_dump(mode="json"), "from_the_future": [1]}))
    assert load_state(path) == STATE


def test_a_save_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("in the way")
    caplog.set_level(logging.WARNING)
    save_state(STATE, blocked / "state.json")  # its folder cannot be made
    assert f"Could not save state to {blocked / 'state.json'}" in caplog.text
    assert blocked.read_text() == "in the way"
