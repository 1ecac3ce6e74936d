"""Any duration is a duration or a usage error, never a traceback; output that cannot be
written ends quietly (issue 16, finding 8). The parser's own rules: test_arguments.py."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_meter.cli.history import parse_duration
from claude_meter.core.settings import UnreadableSettings

pytestmark = pytest.mark.fuzz


def run_cli(*args: str, stdout: int | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_meter", *args],
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


@given(st.text(max_size=30) | st.from_regex(r"\s*[0-9]{1,25}\s*[mhdx]\s*", fullmatch=True))
def test_any_duration_text_is_a_duration_or_a_usage_error(text: str) -> None:
    import argparse
    from datetime import UTC, datetime

    try:
        since = parse_duration(text)
    except argparse.ArgumentTypeError:
        return
    assert datetime.now(UTC) - since > datetime(1900, 1, 1, tzinfo=UTC)


def test_a_full_disk_ends_with_one_line_and_no_traceback() -> None:
    with Path("/dev/full").open("w") as full:
        done = run_cli("status", "--demo", stdout=full.fileno())
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert (
        done.stderr.strip() == "claude-meter: could not write the output (No space left on device)."
    )


@pytest.mark.parametrize("form", [[], ["--json"]])
def test_an_ascii_terminal_gets_the_output_with_replacements(form: list[str]) -> None:
    done = run_cli("status", "--demo", *form, PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Personal" in done.stdout


def test_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "claude_meter", "status", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader went away before a byte was read
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    assert b"Exception ignored" not in err


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (
            OSError(errno.EACCES, "Permission denied"),
            "claude-meter: the command stopped: the system refused something it needed "
            "(Permission denied); run it again.",
        ),
        (
            OSError("a message for no one"),
            "claude-meter: the command stopped: the system refused something it needed; run "
            "it again.",
        ),
        (
            UnreadableSettings(Path("/x/settings.json"), "Permission denied"),
            "claude-meter: nothing was changed: /x/settings.json cannot be read (Permission "
            "denied), so it was left as it is: make it readable again (or remove it), then try "
            "again.",
        ),
        (
            OSError(errno.EACCES, "Permission denied", "/x/history.sqlite3"),
            "claude-meter: /x/history.sqlite3: Permission denied; the command stopped there: "
            "make that file or folder usable for you (its permissions, something else in its "
            "place), then run it again.",
        ),
    ],
)
def test_a_failure_naming_no_file_is_not_blamed_on_a_file(
    failure: OSError, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import claude_meter.cli as cli

    def fails(*args: object) -> int:
        raise failure

    monkeypatch.setattr(cli, "_run", fails)
    assert cli.main(["accounts", "list"]) == 1
    err = capsys.readouterr().err
    assert err == said + "\n"
