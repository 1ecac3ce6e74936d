"""Small state that must survive a restart: the backoff deadline (and whether it holds back
Refresh) and what already notified.

Kept as JSON in the platform state folder, written atomically (temporary file, then
rename). A missing or corrupt file means a fresh start, never a crash: the worst outcome
is one repeated notification. Nothing secret is stored here.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from claude_meter.core import paths
from claude_meter.core.files import write_atomically

log = logging.getLogger("claude_meter.state")

STATE_FILE: Final = "state.json"


class SavedState(BaseModel):
    """What is persisted; unknown keys from newer versions are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    not_before: dict[str, datetime] = {}  # route -> deadline
    #: The routes whose deadline is a sign-in error's backoff: it holds back scheduled polls
    #: but not Refresh (``core/policy.py``), after a restart as before it. A file written
    #: before this key: every deadline holds.
    sign_in_backoff: tuple[str, ...] = ()
    notified: dict[str, str] = {}  # alert key -> reset period


def default_path() -> Path:
    return paths.state_dir() / STATE_FILE


def load_state(path: Path | None = None) -> SavedState:
    """The saved state, or a fresh one when the file is missing or unreadable."""
    path = path or default_path()
    try:
        return SavedState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return SavedState()
    except (OSError, ValueError, ValidationError) as exc:
        log.warning(
            "Ignoring unreadable state file %s (%s); starting fresh", path, type(exc).__name__
        )
        return SavedState()


def save_state(state: SavedState, path: Path | None = None) -> None:
    """Write atomically; failures are logged, never raised (state is a convenience)."""
    path = path or default_path()
    try:
        write_atomically(path, json.dumps(state.model_dump(mode="json"), indent=1))
    except OSError as exc:
        log.warning("Could not save state to %s: %s", path, exc.strerror or exc)
