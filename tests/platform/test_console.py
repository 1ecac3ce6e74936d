"""The Windows windowed app attaches to its parent's console only when a command was given."""

from __future__ import annotations

import io
import sys
from typing import Literal, TextIO

import pytest

from claude_meter.platform.console import attach_parent_console, wants_console


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], False),  # the tray
        (["--demo"], False),
        (["--demo", "--debug"], False),
        (["--version"], True),
        (["--help"], True),
        (["status", "--json"], True),
        (["--debug", "status"], True),
        (["--no-such-flag"], True),  # argparse's explanation must be seen
    ],
)
def test_wants_console(argv: list[str], expected: bool) -> None:
    assert wants_console(argv) is expected


class Consoles:
    def __init__(self, attached: bool) -> None:
        self.attached = attached
        self.opened: list[tuple[str, str]] = []

    def attach(self) -> bool:
        return self.attached

    def open(self, name: str, mode: Literal["r", "w"]) -> TextIO:
        self.opened.append((name, mode))
        return io.StringIO()


def test_windows_command_without_streams_attaches(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("stdout", "stderr", "stdin"):
        monkeypatch.setattr(sys, name, None)
    consoles = Consoles(attached=True)
    attached = attach_parent_console(
        ["status"], platform="win32", attach=consoles.attach, open_console=consoles.open
    )
    assert attached
    assert consoles.opened == [("CONOUT$", "w"), ("CONOUT$", "w"), ("CONIN$", "r")]
    assert sys.stdout is not None


@pytest.mark.parametrize(
    ("platform", "argv", "streams", "attached_ok"),
    [
        ("linux", ["status"], None, True),  # not Windows
        ("darwin", ["status"], None, True),
        ("win32", ["--demo"], None, True),  # the tray: no console wanted
        ("win32", ["status"], "kept", True),  # redirected or a console program: keep them
        ("win32", ["status"], None, False),  # started from Explorer: nothing to attach to
    ],
)
def test_no_attach(
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    argv: list[str],
    streams: str | None,
    attached_ok: bool,
) -> None:
    if streams is None:
        monkeypatch.setattr(sys, "stdout", None)
        monkeypatch.setattr(sys, "stderr", None)
    consoles = Consoles(attached=attached_ok)
    assert not attach_parent_console(
        argv, platform=platform, attach=consoles.attach, open_console=consoles.open
    )
    assert consoles.opened == []
