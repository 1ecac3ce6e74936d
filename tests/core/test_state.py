"""The state that survives a restart (``state.json``): it round-trips, a missing or unreadable
file is a fresh start with one log line, a failed save is logged and never raised, and
nothing but the two tables (and which deadlines are a sign-in error's) is kept."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.core import paths, validation
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


#: What the log says of a state file it cannot use, and what that costs.
STARTS_WITHOUT = (
    "ClaudeMeter starts without it, so it polls without waiting out an earlier error and may "
    "repeat a notification it already showed"
)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{half", "not valid JSON"),
        (b"[]", "not in the form ClaudeMeter writes"),
        (b'{"not_before": {"web": "not a time"}}', "not in the form ClaudeMeter writes"),
        (b'{"notified": {"org-1|five_hour|80": 7}}', "not in the form ClaudeMeter writes"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_an_unreadable_file_is_a_fresh_start(
    tmp_path: Path, content: bytes, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The log says why in words and what the app does about it; it said a Python type name
    (``ValidationError``) and "starting fresh"."""
    path = tmp_path / "state.json"
    path.write_bytes(content)
    caplog.set_level(logging.WARNING)
    assert load_state(path) == SavedState()
    said = f"Could not read the saved state in {path} ({why}); {STARTS_WITHOUT}"
    assert caplog.messages == [said]
    assert "five_hour" not in caplog.text  # nothing of the file's content


def test_a_file_the_system_will_not_read_is_a_fresh_start_with_its_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.mkdir()  # in the way: a folder where the file goes
    caplog.set_level(logging.WARNING)
    assert load_state(path) == SavedState()
    assert caplog.messages == [
        f"Could not read the saved state in {path} (Is a directory); {STARTS_WITHOUT}"
    ]


#: A state file as the pydantic models wrote it (``model_dump(mode="json")``, before issue 19).
WRITTEN_BY_PYDANTIC = """{
 "not_before": {
  "web": "2026-11-25T09:00:00.412233Z",
  "claude-code": "2026-11-25T10:00:00.412233Z"
 },
 "sign_in_backoff": [
  "web"
 ],
 "notified": {
  "org-1|five_hour|80": "2026-11-25T13:00:00+00:00"
 }
}"""


def test_a_file_written_by_the_earlier_models_loads_and_is_written_the_same(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    path.write_text(WRITTEN_BY_PYDANTIC)
    loaded = load_state(path)
    at = datetime(2026, 11, 25, 9, 0, 0, 412233, tzinfo=UTC)
    assert loaded == SavedState(
        not_before={"web": at, "claude-code": at + timedelta(hours=1)},
        sign_in_backoff=("web",),
        notified={"org-1|five_hour|80": "2026-11-25T13:00:00+00:00"},
    )
    save_state(loaded, path)
    assert path.read_text() == WRITTEN_BY_PYDANTIC


def test_an_alert_key_with_a_lone_surrogate_is_saved(tmp_path: Path) -> None:
    """An organization's id comes from a server, and JSON's ``"\\ud800"`` is a lone surrogate
    in Python: the save writes it as JSON escapes it (reading it back is a fresh start)."""
    path = tmp_path / "state.json"
    save_state(SavedState(notified={"\ud800|five_hour|80": "p"}), path)
    assert json.loads(path.read_text()) == {
        "not_before": {},
        "sign_in_backoff": [],
        "notified": {"\ud800|five_hour|80": "p"},
    }


def test_keys_of_a_newer_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({**validation.as_json_data(STATE), "from_the_future": [1]}))
    assert load_state(path) == STATE


def test_a_save_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("in the way")
    caplog.set_level(logging.WARNING)
    save_state(STATE, blocked / "state.json")  # its folder cannot be made
    assert caplog.messages == [
        f"Could not save the state to {blocked / 'state.json'} (File exists); the wait after an "
        "error and the notifications already shown are remembered only until ClaudeMeter quits"
    ]
    assert blocked.read_text() == "in the way"
