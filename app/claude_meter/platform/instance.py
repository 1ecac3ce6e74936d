"""Whether another tray already runs for this person, asked before Qt loads.

The tray's single-instance lock is Qt's ``QLockFile`` (``qt/single_instance.py``), which writes
its owner's process id on the file's first line. What starts before Qt (the keyring's early
read, the first poll) asks here, so that a second launch, which only asks the running tray to
open its popover, neither reads the keyring nor polls. The lock itself is still taken by
``qt/single_instance.py``: this is only a look, and a launch that loses a race for the lock
after looking is told there, and stops.
"""

from __future__ import annotations

import os
from pathlib import Path

from claude_meter.core import paths


def another_tray_runs(lock: Path | None = None) -> bool:
    """Whether the lock file names a process that is alive (not this one)."""
    lock = lock or paths.runtime_dir() / paths.INSTANCE_LOCK
    try:
        pid = int(lock.read_text(encoding="ascii", errors="replace").split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's (not in a per-user folder, but who knows)
        return True
    return True
