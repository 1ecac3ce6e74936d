"""Whether another tray runs, looked at before Qt loads: Qt's lock file names its owner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from claude_meter.core import paths
from claude_meter.platform.instance import another_tray_runs


def _lock(text: str) -> Path:
    paths.runtime_dir().mkdir(parents=True, exist_ok=True)
    lock = paths.runtime_dir() / paths.INSTANCE_LOCK
    lock.write_text(text, encoding="ascii")
    return lock


def test_a_live_owner_is_another_tray() -> None:
    _lock(f"{os.getppid()}\nclaude-meter\nhost\n")  # Qt writes the owner's PID first
    assert another_tray_runs()


def test_no_lock_a_dead_owner_this_process_or_a_damaged_file_is_none() -> None:
    assert not another_tray_runs()  # no file
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()  # its PID names no process now
    _lock(f"{gone.pid}\nclaude-meter\n")
    assert not another_tray_runs()
    _lock(f"{os.getpid()}\nclaude-meter\n")
    assert not another_tray_runs()
    for damaged in ("", "not a pid\n", "0\n", "-1\n"):
        _lock(damaged)
        assert not another_tray_runs()


def test_a_lock_given_by_path(tmp_path: Path) -> None:
    lock = tmp_path / "instance.lock"
    lock.write_text(f"{os.getppid()}\n", encoding="ascii")
    assert another_tray_runs(lock)
    assert not another_tray_runs(tmp_path / "missing.lock")
