"""The running tray hears settings another process saved: a real file watch on a temporary
config folder, the real ``claude-meter accounts`` command writing it."""

from __future__ import annotations

import io
from pathlib import Path

import msgspec
import pytest
from pytestqt.qtbot import QtBot

from claude_meter.cli import main
from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings, save_settings, settings_path
from claude_meter.qt.settings_watch import SettingsWatch
from tests.qt.test_first_run import prefs_for


def test_accounts_added_by_the_command_line_reach_the_tray(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "code"
    folder.mkdir()
    watch = SettingsWatch(settings_path())
    watch.start()
    with qtbot.waitSignal(watch.read) as heard:
        assert (
            main(["accounts", "add", "Work", "--claude-config", str(folder)], stdout=io.StringIO())
            == 0
        )
    settings = heard.args[0]
    assert isinstance(settings, Settings)
    assert [a.name for a in settings.accounts] == ["Work"]
    with qtbot.waitSignal(watch.read) as heard:  # the watch goes on after the file was replaced
        assert main(["accounts", "rename", "Work", "Initech"], stdout=io.StringIO()) == 0
    assert [a.name for a in heard.args[0].accounts] == ["Initech"]


def test_an_unusable_file_is_not_applied(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(), path)
    watch = SettingsWatch(path)
    watch.start()
    heard: list[object] = []
    watch.read.connect(heard.append)
    path.write_text("{not json")
    qtbot.waitUntil(lambda: watch._seen == watch._identity())  # the bad file was looked at
    assert heard == []
    with qtbot.waitSignal(watch.read):
        save_settings(Settings(poll_seconds=120), path)
    assert heard == [Settings(poll_seconds=120)]


def test_adopt_applies_only_what_changed(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    applied: list[object] = []
    refreshed: list[bool] = []
    prefs.settings_changed.connect(applied.append)
    prefs.refresh_requested.connect(lambda: refreshed.append(True))
    prefs.adopt(Settings())  # what it holds already (its own save, heard back)
    assert (applied, refreshed) == ([], [])
    named = Settings(accounts=(AccountRef(id="w", name="Work", kind="pasted"),))
    prefs.adopt(named)
    assert (applied, refreshed) == ([named], [])  # the tray polls a new account itself
    off = msgspec.structs.replace(named, default_account=False)
    prefs.adopt(off)
    assert prefs.settings == off
    assert refreshed == [True]
    assert not (tmp_path / "settings.json").exists()  # adopted, not saved again


def test_a_late_start_hands_over_what_the_file_holds_now(qtbot: QtBot, tmp_path: Path) -> None:
    """The tray starts its watch after the first draw: a save made since it read the settings
    is emitted at once, then the watch goes on; with no usable file nothing is emitted."""
    path = tmp_path / "settings.json"
    nothing = SettingsWatch(path)
    heard: list[object] = []
    nothing.read.connect(heard.append)
    nothing.start(late=True)  # no file yet
    assert heard == []
    save_settings(Settings(poll_seconds=300), path)  # saved before the watch started
    watch = SettingsWatch(path)
    watch.read.connect(heard.append)
    watch.start(late=True)
    assert heard[-1] == Settings(poll_seconds=300)
    with qtbot.waitSignal(watch.read):
        save_settings(Settings(poll_seconds=120), path)
    assert heard[-1] == Settings(poll_seconds=120)
