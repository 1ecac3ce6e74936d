"""``claude-meter history --open`` when the history cannot be had: a message, no window."""

from __future__ import annotations

import io

import pytest

from claude_meter.cli import main
from claude_meter.core.paths import data_dir
from tests.cli.real_process import run_python


def test_an_unreadable_history_is_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    data_dir().parent.mkdir(parents=True, exist_ok=True)
    data_dir().write_text("not a folder")
    out = io.StringIO()
    assert main(["history", "--open"], stdout=out) == 1
    err = capsys.readouterr().err
    assert err.startswith("claude-meter: the usage history cannot be read:")
    assert "Traceback" not in err
    assert out.getvalue() == ""


def test_a_damaged_settings_file_set_aside_is_said_once() -> None:
    """The window loads the settings as the tray does, which sets a damaged file aside: it
    says so as `accounts` does (a bare log line was the only word before). A real process
    (Qt off screen; the window is shown, not waited on)."""
    from claude_meter.core.settings import settings_path

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("{not json")
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "QApplication.exec = staticmethod(lambda: 0)\n"
        "from claude_meter.cli import main\n"
        "sys.exit(main(['history', '--open']))\n"
    )
    done = run_python(code, env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    # (the window's loads, cut short by the returned exec, may add lines of their own)
    said = [line for line in done.stderr.splitlines() if "settings" in line]
    assert len(said) == 1, done.stderr
    assert said[0].startswith("claude-meter: Your settings could not be read (not valid JSON")
    assert "The old file was kept as" in said[0]
    assert not settings_path().exists()
