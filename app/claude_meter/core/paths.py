"""Where ClaudeMeter keeps its files, per platform (platformdirs), in one place.

Nothing secret is ever written to these folders: secrets live only in the OS keyring.
On Linux the folders follow ``XDG_*`` and ``HOME``, so tests point them at a temporary home.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Final

import platformdirs

APP_NAME: Final = "claude-meter"
APP_AUTHOR: Final = "ClaudeMeter"


def _dirs() -> platformdirs.PlatformDirs:
    return platformdirs.PlatformDirs(APP_NAME, APP_AUTHOR, ensure_exists=False)


def config_dir() -> Path:
    """Settings and remembered choices (no secrets)."""
    return _dirs().user_config_path


def data_dir() -> Path:
    """History database and other data worth keeping."""
    return _dirs().user_data_path


def state_dir() -> Path:
    """Small state that must survive a restart: backoff deadlines, notified thresholds."""
    return _dirs().user_state_path


def log_dir() -> Path:
    return _dirs().user_log_path


#: The tray's single-instance lock in :func:`runtime_dir` (Qt's ``QLockFile``: the owner's PID
#: on its first line; ``qt/single_instance.py``).
INSTANCE_LOCK: Final = "instance.lock"


def runtime_dir() -> Path:
    """Per-user runtime folder (locks, local sockets).

    Without ``XDG_RUNTIME_DIR`` (a root shell, some minimal sessions) platformdirs falls back
    to ``/tmp/runtime-<uid>`` and warns on stderr; the fallback is fine, the warning is noise.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        return _dirs().user_runtime_path
