"""``claude-meter history --open`` when the history cannot be had: a message, no window."""

from __future__ import annotations

import io

import pytest

from claude_meter.cli import main
from claude_meter.core.paths import data_dir


def test_an_unreadable_history_is_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    data_dir().parent.mkdir(parents=True, exist_ok=True)
    data_dir().write_text("not a folder")
    out = io.StringIO()
    assert main(["history", "--open"], stdout=out) == 1
    err = capsys.readouterr().err
    assert err.startswith("claude-meter: the usage history cannot be read:")
    assert "Traceback" not in err
    assert out.getvalue() == ""
