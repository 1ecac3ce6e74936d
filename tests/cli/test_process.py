"""The program's entry: one-shot commands leave the collector out, the others keep it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from claude_meter.cli.process import is_one_shot
from claude_meter.fake import FakeClaude
from tests.cli.real_process import run_python
from tests.conftest import TEST_SESSION_KEY

#: Runs the entry as the console script does, and reports the collector's state at exit
#: (an ``atexit`` handler runs after :func:`run` has decided, before the interpreter ends).
PROBE = (
    "import atexit, gc, sys\n"
    "sys.argv = ['claude-meter', *sys.argv[1:]]\n"
    "atexit.register(lambda: print('GC', gc.isenabled(), gc.get_freeze_count() > 0, "
    "file=sys.stderr))\n"
    "from claude_meter.cli.process import run\n"
    "run()\n"
)


def probe(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_python(PROBE, *argv, env=env)


@pytest.mark.parametrize(
    ("argv", "one_shot"),
    [
        (["status", "--json"], True),
        (["status", "--cached"], True),
        (["statusline"], True),
        ([], False),  # the tray
        (["--demo"], False),
        (["history", "--open"], False),
        (["bridge"], False),
        (["fake-server"], False),
        (["--debug", "status"], False),  # left as it was: only the plain forms are quick
    ],
)
def test_which_commands_are_one_shot(argv: list[str], one_shot: bool) -> None:
    assert is_one_shot(argv) is one_shot


def test_status_runs_whole_without_the_collector_and_exits_with_its_status(
    fake_server: FakeClaude,
) -> None:
    done = probe(
        "status",
        "--json",
        env={
            "CLAUDE_METER_BASE_URL": fake_server.base_url,
            "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
        },
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["organizations"]  # all of it written out before the end
    assert "GC False True" in done.stderr


def test_a_failing_one_shot_command_keeps_its_exit_status() -> None:
    done = probe("status", "--cached", "--max-age", "1m")  # nothing stored: stale
    assert done.returncode == 3, done.stderr
    assert "GC False True" in done.stderr


def test_other_commands_keep_the_collector() -> None:
    done = probe("history", "--json")
    assert done.returncode == 0, done.stderr
    assert "GC True False" in done.stderr


def test_a_file_failure_no_step_foresaw_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last net under every command: ``logout`` over a folder in place of its file
    ended in a traceback; whatever else the file system refuses is said the same way."""
    from claude_meter.cli import credentials, main

    blocked = tmp_path / "a-folder"
    blocked.mkdir()

    def fails(**_: object) -> int:
        blocked.unlink()  # a real refusal: IsADirectoryError, with the file's name
        return 0

    monkeypatch.setattr(credentials, "run_logout", fails)
    assert main(["logout"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err == (
        f"claude-meter: {blocked}: Is a directory; the command stopped there: make that file or "
        "folder usable for you (its permissions, something else in its place), then run it "
        "again.\n"
    )
