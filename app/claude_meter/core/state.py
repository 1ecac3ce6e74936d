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

import msgspec

from claude_meter.core import json_input, paths, validation
from claude_meter.core.files import write_atomically

log = logging.getLogger("claude_meter.state")

STATE_FILE: Final = "state.json"


class SavedState(msgspec.Struct, frozen=True, kw_only=True):
    """What is persisted; unknown keys from newer versions are ignored."""

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
        return validation.parse(read_json(path), SavedState)
    except FileNotFoundError:
        return SavedState()
    except (OSError, ValueError) as exc:  # msgspec's errors are ValueErrors
        log.warning(
            "Could not read the saved state in %s (%s); ClaudeMeter starts without it, so it "
            "polls without waiting out an earlier error and may repeat a notification it "
            "already showed",
            path,
            file_problem(exc),
        )
        return SavedState()


def save_state(state: SavedState, path: Path | None = None) -> None:
    """Write atomically; failures are logged, never raised (state is a convenience)."""
    path = path or default_path()
    try:
        write_atomically(path, json.dumps(validation.as_json_data(state), indent=1))
    except OSError as exc:
        log.warning(
            "Could not save the state to %s (%s); the wait after an error and the "
            "notifications already shown are remembered only until ClaudeMeter quits",
            path,
            file_problem(exc),
        )


def read_json(path: Path) -> object:
    """A state file's JSON, read whole before its form is checked, so a file that is not
    JSON says so whatever its first value; :class:`~claude_meter.core.json_input.NotJson`
    when it is not JSON, as for every reader of outside JSON."""
    return json_input.loads(path.read_bytes())


def file_problem(exc: Exception) -> str:
    """Why a file of the state folder could not be read or written, in a person's words and
    never quoting it: the system's reason (``Permission denied``), ``not valid JSON``, or
    ``not in the form ClaudeMeter writes`` (damaged, or written by another version)."""
    if isinstance(exc, OSError):
        return exc.strerror or "the system refused"
    if isinstance(exc, json_input.NotJson):
        return "not valid JSON"
    return "not in the form ClaudeMeter writes"
