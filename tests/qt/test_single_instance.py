"""Single instance inside one process: the second claim asks the first, a request left over
from before a start is dropped. The two-process run, with a crash in between, is in
tests/e2e/test_single_instance.py."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QFileSystemWatcher
from pytestqt.qtbot import QtBot

from claude_meter.core import paths
from claude_meter.qt.single_instance import SingleInstance, lock_path, requests_dir


def test_everything_is_in_the_private_runtime_folder_and_never_a_port(
    qtbot: QtBot, tmp_path: Path
) -> None:
    assert requests_dir() == paths.runtime_dir() / "instance-requests"
    runtime = tmp_path / "runtime"
    instance = SingleInstance(runtime)
    assert instance.claim()
    assert runtime.stat().st_mode & 0o777 == 0o700
    assert requests_dir(runtime).stat().st_mode & 0o777 == 0o700
    instance.release()


def test_second_claim_asks_the_first_to_open(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.claim()
    assert lock_path(tmp_path).exists()
    second = SingleInstance(tmp_path)
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert not second.claim()
    qtbot.waitUntil(lambda: not any(requests_dir(tmp_path).iterdir()))  # consumed
    with qtbot.waitSignal(first.activated, timeout=5000):  # and again: every launch is heard
        assert not SingleInstance(tmp_path).claim()
    first.release()
    assert not lock_path(tmp_path).exists()
    third = SingleInstance(tmp_path)
    assert third.claim()  # the first one is gone: the next one starts
    third.release()


def test_a_request_from_before_this_start_is_dropped_not_acted_on(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = requests_dir(tmp_path)
    folder.mkdir(parents=True)
    old = folder / "open-1234-deadbeef"
    old.write_bytes(b"open-popover\n")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    (folder / ".open-99-half-written.tmp").write_bytes(b"")
    instance = SingleInstance(tmp_path)
    with qtbot.assertNotEmitted(instance.activated, wait=200):
        assert instance.claim()
    assert not old.exists()
    assert (folder / ".open-99-half-written.tmp").exists()  # not a request (yet)
    assert instance.watcher is not None
    instance.release()


def test_a_request_made_while_the_first_was_starting_is_acted_on(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = requests_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "open-1234-cafebabe").write_bytes(b"open-popover\n")  # just now
    instance = SingleInstance(tmp_path)
    assert instance.claim()
    # As run_tray does: ``activated`` is connected only after the claim.
    with qtbot.waitSignal(instance.activated, timeout=5000):
        pass
    instance.release()


def test_without_a_watcher_the_folder_is_looked_at_every_second(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-user inotify limit reached: a second launch is still heard."""
    monkeypatch.setattr(QFileSystemWatcher, "addPath", lambda _self, _path: False)
    first = SingleInstance(tmp_path)
    assert first.claim()
    assert first.watcher is None
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert not SingleInstance(tmp_path).claim()
    first.release()
