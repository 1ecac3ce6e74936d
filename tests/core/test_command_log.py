"""A one-shot command's warnings: ``claude-meter: <text>`` on standard error, redacted, each
text once, none the caller says itself; the handler goes with the command."""

from __future__ import annotations

import logging

import pytest

from claude_meter.core.command_log import TOLD_BY_CALLER, command_console

log = logging.getLogger("claude_meter.test_command_log")


def test_warnings_are_said_once_in_the_command_s_form(capsys: pytest.CaptureFixture[str]) -> None:
    before = list(logging.getLogger().handlers)
    with command_console():
        for _ in range(3):  # a damaged file read three times by one command
            log.warning("the file %s could not be read", "/x/sources.json")
        log.warning("settings unusable", extra=TOLD_BY_CALLER)  # the caller says its notice
        log.info("an info line stays in the log only")
        log.warning("cookie sessionKey=sk-ant-sid01-abc in a bad place")
    assert logging.getLogger().handlers == before
    log.warning("after the command: not its console")
    assert capsys.readouterr().err.splitlines() == [
        "claude-meter: the file /x/sources.json could not be read",
        "claude-meter: cookie sessionKey=[redacted] in a bad place",
    ]


def test_a_warning_with_a_control_character_stays_on_its_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with command_console():
        log.warning("a name\nclaude-meter: forged")
    assert capsys.readouterr().err == "claude-meter: a name\\x0aclaude-meter: forged\n"
