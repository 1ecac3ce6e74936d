"""The one setting the fast commands honour: the percent used, or the percent remaining.

``statusline`` and ``status --cached`` must stay light (no pydantic, so not
``core/settings.py``), yet they show figures a person reads, and those follow the choice made
in Settings ("Show percent: Used / Remaining") like every other text (``core/presentation.py``).
So this reads that one key from ``settings.json`` with the standard library. Anything unusual
(no file, a damaged one, another value) means "used", the default; the full loader in
``core/settings.py`` is the one that reports and repairs a damaged file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from claude_meter.core import json_input

FILE_NAME = "settings.json"  # as core/settings.py names it (a test checks they agree)


def settings_file() -> Path:
    """``settings.json`` in ClaudeMeter's config folder (``core/paths.config_dir``).

    On Linux computed here as platformdirs does (``$XDG_CONFIG_HOME`` or ``~/.config``, then
    ``claude-meter``), so the fast commands skip importing it.
    """
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip()
        root = Path(base) if base else Path.home() / ".config"
        return root / "claude-meter" / FILE_NAME
    from claude_meter.core.paths import config_dir

    return config_dir() / FILE_NAME


def shows_remaining() -> bool:
    """True when the person chose to see the percent remaining."""
    try:
        data = json_input.loads(settings_file().read_bytes()[:1_000_000])
    except (OSError, json_input.NotJson):
        return False
    return isinstance(data, dict) and data.get("percent_shown") == "remaining"
