"""Where ClaudeMeter keeps its files, per platform (:mod:`claude_meter.core.paths`).

Linux is the real platformdirs under a temporary home; macOS and Windows are platformdirs'
own classes for them (Windows' known-folder lookup answered by a table, as it needs Windows).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import platformdirs
import platformdirs.macos
import platformdirs.windows
import pytest

from claude_meter.core import paths

FOLDERS = {
    "config": paths.config_dir,
    "data": paths.data_dir,
    "state": paths.state_dir,
    "log": paths.log_dir,
}


def test_linux_follows_the_home_folder() -> None:
    home = Path.home()
    assert {name: where() for name, where in FOLDERS.items()} == {
        "config": home / ".config/claude-meter",
        "data": home / ".local/share/claude-meter",
        "state": home / ".local/state/claude-meter",
        "log": home / ".local/state/claude-meter/log",
    }
    assert paths.runtime_dir() == home / "run/claude-meter"


def test_linux_follows_xdg_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    assert paths.config_dir() == tmp_path / "config/claude-meter"
    assert paths.data_dir() == tmp_path / "data/claude-meter"
    assert paths.state_dir() == tmp_path / "state/claude-meter"


def test_asking_creates_no_folder() -> None:
    for where in FOLDERS.values():
        assert not where().exists()


def test_without_a_runtime_folder_there_is_no_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folder = paths.runtime_dir()
    assert folder.name == "claude-meter"


def test_macos_keeps_everything_in_application_support(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    home = Path.home()
    support = home / "Library/Application Support/claude-meter"
    assert (paths.config_dir(), paths.data_dir(), paths.state_dir()) == (support,) * 3
    assert paths.log_dir() == home / "Library/Logs/claude-meter"


def test_windows_uses_the_app_data_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    known = {
        "CSIDL_APPDATA": r"C:\Users\u\AppData\Roaming",
        "CSIDL_LOCAL_APPDATA": r"C:\Users\u\AppData\Local",
    }
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", known.__getitem__)
    local = str(Path(known["CSIDL_LOCAL_APPDATA"], "ClaudeMeter", "claude-meter"))
    assert str(paths.config_dir()) == local
    assert str(paths.data_dir()) == local
    assert str(paths.log_dir()) == str(Path(local, "Logs"))
