"""glibc's heap settings are safe to call anywhere: glibc on Linux, nothing elsewhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

from claude_meter.platform import memory


def test_the_arena_limit_and_the_release_run_in_a_fresh_process() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from claude_meter.platform import memory\n"
            "memory.limit_malloc_arenas()\n"
            "memory.release_free_memory()\n"
            "print(memory._glibc() is not None)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == str(sys.platform.startswith("linux"))


def test_elsewhere_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory._glibc() is None
    memory.limit_malloc_arenas()
    memory.release_free_memory()
