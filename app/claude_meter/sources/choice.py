"""Which browser, profile and account the person picked: remembered, never secret.

A small JSON file, ``sources.json`` in the config folder, until the settings model takes it
over. It holds names only (browser, profile, where the stored session came from, the
account's email when the server has told us): no cookie, no token. A corrupt file is ignored
with a message, never a crash.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Final

import msgspec

from claude_meter.core import json_input
from claude_meter.core.files import write_atomically
from claude_meter.core.paths import config_dir

log = logging.getLogger("claude_meter.sources.choice")

FILE_NAME: Final = "sources.json"


class RememberedChoice(msgspec.Struct, frozen=True):
    """``browser``/``profile``: the profile ``auto`` reads first. ``stored_from``: where the
    keyring's session came from (``paste``, or a browser profile's label)."""

    browser: str | None = None
    profile: str | None = None
    stored_from: str | None = None
    account_email: str | None = None


def choice_path() -> Path:
    return config_dir() / FILE_NAME


def load_choice(path: Path | None = None) -> tuple[RememberedChoice, str | None]:
    """The remembered choice and, when the file was unusable, a message saying it was ignored."""
    path = path or choice_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return RememberedChoice(), None
    except UnicodeDecodeError:  # as the settings say it
        return RememberedChoice(), _ignored(path, "not text")
    except OSError as exc:
        return RememberedChoice(), _ignored(path, exc.strerror or "it cannot be opened")
    try:
        data = json_input.loads(text)
    except json_input.NotJson as exc:
        return RememberedChoice(), _ignored(path, json_input.not_valid(exc))
    if not isinstance(data, dict):
        return RememberedChoice(), _ignored(path, "not a JSON object")
    fields = {}
    for name in ("browser", "profile", "stored_from", "account_email"):
        value = data.get(name)
        fields[name] = value if isinstance(value, str) and value else None
    return RememberedChoice(**fields), None


def save_choice(choice: RememberedChoice, path: Path | None = None) -> None:
    """Write the choice atomically (a half-written file would lose it)."""
    path = path or choice_path()
    data = {k: v for k, v in msgspec.structs.asdict(choice).items() if v is not None}
    write_atomically(path, json.dumps({"version": 1, **data}, indent=2))


def forget_choice(path: Path | None = None) -> bool:
    """Remove the file; True when there was one. :class:`OSError` when it is there and cannot
    be removed (a folder in its place, a read-only folder)."""
    path = path or choice_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _ignored(path: Path, why: str) -> str:
    message = (
        f"the remembered source choice in {path} could not be read ({why}) and was ignored; "
        "pick a source again with `claude-meter login`."
    )
    log.warning("%s", message)
    return message
