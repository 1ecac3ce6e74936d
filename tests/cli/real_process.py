"""The command line run as a real process: ``python -m claude_meter`` or a probe under
``python -c``, for what only a process shows (what it imports, its exit status, the lines it
writes to standard error through its own handlers)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

#: Variables over this test's environment; None leaves one out.
Env = Mapping[str, str | None]


def run_command(*args: str, env: Env | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m claude_meter <args>``, with this test's environment and ``env`` over it."""
    return _run(["-m", "claude_meter", *args], env)


def run_python(code: str, *argv: str, env: Env | None = None) -> subprocess.CompletedProcess[str]:
    """``python -c <code> <argv>``, with this test's environment and ``env`` over it."""
    return _run(["-c", code, *argv], env)


def _run(argv: list[str], env: Env | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None},
    )
