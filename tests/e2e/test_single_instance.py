"""Single instance with real processes on a real X server and tray host.

A second ``claude-meter --demo`` exits 0 at once and the first opens its popover; the CLI is
not affected; after a ``kill -9`` (lock and requests folder left behind) the next start runs
normally.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from claude_meter.core import paths
from tests.e2e.desktop import claude_meter, private_desktop, wait_for
from tests.e2e.desktop import start_demo_tray as start

pytestmark = pytest.mark.e2e


def logged(path: Path, text: str) -> bool:
    return text in path.read_text(errors="replace")


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        raise


def test_second_launch_opens_the_first_popover_and_a_crash_does_not_block(
    tmp_path: Path,
) -> None:
    runtime = paths.runtime_dir()
    with private_desktop() as desktop:
        env = {**desktop.env, "CLAUDE_METER_POLL_SECONDS": "1"}
        first_log = tmp_path / "first.log"
        first = start(env, first_log)
        try:
            wait_for("the first tray", lambda: logged(first_log, "tray icon shown"))
            assert logged(first_log, "single instance: listening")
            assert not logged(first_log, "popover opened")

            began = time.monotonic()
            second_log = tmp_path / "second.log"
            second = start(env, second_log)
            assert second.wait(15) == 0, second_log.read_text()
            assert time.monotonic() - began < 10
            assert logged(second_log, "asked it to open its popover")
            assert not logged(second_log, "tray icon shown")
            wait_for("the first popover", lambda: logged(first_log, "popover opened with"))
            desktop.screenshot("single-instance-popover.png")

            status = subprocess.run(
                [claude_meter(), "status", "--demo"],
                env=env, capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert status.returncode == 0, status.stderr  # the CLI is not affected
        finally:
            first.kill()  # a crash: the lock and the requests folder stay behind
            first.wait(5)
        assert (runtime / "instance.lock").exists()
        assert (runtime / "instance-requests").is_dir()

        third_log = tmp_path / "third.log"
        third = start(env, third_log)
        try:
            wait_for("a tray after the crash", lambda: logged(third_log, "tray icon shown"))
            assert logged(third_log, "single instance: listening")
        finally:
            code = stop(third)
        assert code == 0, third_log.read_text()
        assert "Traceback" not in third_log.read_text() + first_log.read_text()
