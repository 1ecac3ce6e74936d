"""The settings in a running tray (:mod:`claude_meter.qt.preferences`): saving and applying,
the autostart switch, what "Test connection" says. Pasting a session and testing the
connection off the GUI thread are in ``tests/qt/test_paste_session.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchError, FetchResult, Snapshot
from claude_meter.core.presentation import connection_text
from claude_meter.core.settings import Loaded, Settings, load_settings
from claude_meter.qt.preferences import Preferences
from tests.qt.test_first_run import no_source, numbers, prefs_for


def test_saving_turns_autostart_on_and_off(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    window = prefs.open_settings()
    window.autostart.setChecked(True)
    window.save()
    desktop_file = tmp_path / "autostart" / "claude-meter.desktop"
    assert desktop_file.exists()
    assert not window.isVisible()
    window = prefs.open_settings()
    assert window.autostart.isChecked()
    window.autostart.setChecked(False)
    window.save()
    assert not desktop_file.exists()
    prefs.close()


def test_without_a_backend_given_the_os_one_is_picked_when_the_window_needs_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tray passes none (``qt/compose.py``): the XDG entry of the person's own config
    folder, found when the settings window opens, not while the tray starts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    prefs = Preferences(
        Loaded(Settings()), {}, settings_path=tmp_path / "s.json", profiles=lambda env: []
    )
    window = prefs.open_settings()
    assert not window.autostart.isChecked()
    window.autostart.setChecked(True)
    window.save()
    assert (tmp_path / "config" / "autostart" / "claude-meter.desktop").exists()
    assert prefs.open_settings().autostart.isChecked()
    prefs.close()


@pytest.mark.parametrize(
    ("result", "ok", "text"),
    [
        (numbers(), True, "Connected: Personal · me@example.com."),
        (no_source(), False, "No claude.ai session was found."),
    ],
)
def test_connection_text(result: FetchResult, ok: bool, text: str) -> None:
    assert connection_text(result) == (ok, text)


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("result", "text"),
    [
        (FetchResult(source="web", fetched_at=NOW), "claude.ai answered without any organization."),
        (
            FetchResult(
                source="web",
                fetched_at=NOW,
                snapshots=(
                    Snapshot(
                        source="web",
                        fetched_at=NOW,
                        error=FetchError(kind="server", message="claude.ai failed (502)."),
                    ),
                ),
            ),
            "claude.ai failed (502).",
        ),
    ],
)
def test_no_organization_with_numbers_is_a_failed_test(result: FetchResult, text: str) -> None:
    assert connection_text(result) == (False, text)


def test_several_organizations_are_named() -> None:
    team = Snapshot(source="web", org_name="Acme Team", fetched_at=NOW)
    nameless = Snapshot(source="web", fetched_at=NOW)
    result = FetchResult(source="web", fetched_at=NOW, snapshots=(team, nameless))
    assert connection_text(result) == (True, "Connected: Acme Team, your account.")


def test_a_change_is_saved_applied_and_a_new_source_polled(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    refreshes: list[bool] = []
    prefs.refresh_requested.connect(lambda: refreshes.append(True))
    with qtbot.waitSignal(prefs.settings_changed) as applied:
        assert prefs.change(Settings(icon_style="ring"))
    assert applied.args[0].icon_style == "ring"
    assert refreshes == []  # same source: nothing to poll again
    assert load_settings(tmp_path / "settings.json").settings.icon_style == "ring"
    assert prefs.change(Settings(icon_style="ring", source="claude-code"))
    assert refreshes == [True]
    prefs.close()


def test_a_change_that_cannot_be_saved_still_applies(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    (tmp_path / "settings.json").mkdir()  # a folder where the file should go
    with qtbot.waitSignal(prefs.settings_changed):
        assert not prefs.change(Settings(icon_style="ring"))
    assert prefs.settings.icon_style == "ring"
    prefs.close()


def test_the_settings_window_never_saves_over_a_file_it_could_not_read(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The tray started on the defaults because the file could not be read; saving them
    replaced the person's settings with ones they never saw. Now the window says why not."""
    path = tmp_path / "settings.json"
    path.mkdir()  # unreadable even as root (chmod 000 is not, for root)
    (path / "inside").write_text("kept")
    loaded = load_settings(path)
    prefs = prefs_for(tmp_path, loaded)
    assert prefs.notice_title == "ClaudeMeter could not read its settings"
    assert prefs.notice is not None
    assert prefs.notice.startswith(f"Your settings file {path} cannot be read (Is a directory)")
    window = prefs.open_settings()
    qtbot.addWidget(window)
    window.save()
    assert window.isVisible()  # kept open, with the reason
    assert window.problem.text() == (
        f"The settings were not saved: {path} cannot be read (Is a directory), so it was left "
        "as it is: make it readable again (or remove it), then try again."
    )
    assert (path / "inside").read_text() == "kept"
    window.close()
    prefs.close()
