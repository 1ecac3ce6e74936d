"""Which networks claude.ai challenged lately (:mod:`claude_meter.clients.challenged`): one
real file in the (temporary) state folder, read and written as the app does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_meter.clients import challenged
from claude_meter.core import paths

BASE = "https://claude.ai"
NOW = 1_800_000_000.0


def record() -> Path:
    return paths.state_dir() / challenged.FILE_NAME


def test_a_remembered_network_is_challenged_for_a_day_only() -> None:
    challenged.remember(BASE, "192.0.2.7", NOW)
    entries = challenged.load(NOW + 60)
    assert challenged.is_challenged(entries, BASE, "192.0.2.7")
    assert not challenged.is_challenged(entries, BASE, "198.51.100.3")  # another Wi-Fi
    assert not challenged.is_challenged(entries, "https://127.0.0.1:8443", "192.0.2.7")
    assert challenged.load(NOW + challenged.TTL - 1)
    assert challenged.load(NOW + challenged.TTL) == {}


def test_the_file_names_networks_by_hash_only() -> None:
    challenged.remember(BASE, "192.0.2.7", NOW)
    challenged.remember(BASE, "2001:db8::7", NOW + 5)
    text = record().read_text(encoding="utf-8")
    assert "192.0.2.7" not in text
    assert "2001:db8" not in text
    assert "claude.ai" not in text
    assert sorted(json.loads(text).values()) == [NOW + challenged.TTL, NOW + 5 + challenged.TTL]


def test_remembering_drops_what_expired() -> None:
    challenged.remember(BASE, "192.0.2.7", NOW)
    challenged.remember(BASE, "198.51.100.3", NOW + challenged.TTL + 1)
    assert len(json.loads(record().read_text(encoding="utf-8"))) == 1


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[1, 2]",
        '"a string"',
        '{"abc": "tomorrow", "def": [1], "ghi": null, "jkl": true}',
    ],
)
def test_a_damaged_file_counts_as_empty_and_is_replaced(content: str) -> None:
    record().parent.mkdir(parents=True)
    record().write_text(content, encoding="utf-8")
    assert challenged.load(NOW) == {}
    challenged.remember(BASE, "192.0.2.7", NOW)
    assert len(challenged.load(NOW)) == 1


def test_a_missing_file_counts_as_empty() -> None:
    assert challenged.load(NOW) == {}
    assert not challenged.is_challenged({}, BASE, "192.0.2.7")


def test_an_unwritable_state_folder_is_logged_and_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = paths.state_dir()
    state.parent.mkdir(parents=True)
    state.write_text("a file where the folder should be")
    caplog.set_level("INFO")
    challenged.remember(BASE, "192.0.2.7", NOW)
    assert "could not remember the challenged network" in caplog.text
    assert challenged.load(NOW) == {}
