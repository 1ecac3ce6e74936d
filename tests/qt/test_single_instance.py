"""Single instance inside one process: the second claim asks the first, a stale socket is
cleared. The two-process run, with a crash in between, is in tests/e2e/test_single_instance.py."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.core import paths
from claude_meter.qt.single_instance import SingleInstance, lock_path, server_name


def test_names_are_per_user_and_never_a_port(tmp_path: Path) -> None:
    assert server_name() == str(paths.runtime_dir() / "instance.sock")
    assert server_name(tmp_path) == str(tmp_path / "instance.sock")
    assert server_name(platform="win32").startswith("ClaudeMeter-")


def test_second_claim_asks_the_first_to_open(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.claim()
    assert lock_path(tmp_path).exists()
    second = SingleInstance(tmp_path)
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert not second.claim()
    first.release()
    assert not lock_path(tmp_path).exists()
    third = SingleInstance(tmp_path)
    assert third.claim()  # the first one is gone: the next one starts
    third.release()


def test_a_stale_socket_does_not_block(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "instance.sock").write_text("left by a crash")
    instance = SingleInstance(tmp_path)
    assert instance.claim()
    assert instance.server is not None
    assert instance.server.isListening()
    instance.release()
