"""The tray's first keyring read, started with the process rather than at its first poll.

The keyring's helper process (:mod:`claude_meter.sources.keyring_child`) takes some 0.1-0.2 s of
wall with the Secret Service, and the tray's first poll in ``auto`` waited for it after
PySide6 had loaded and the window was built. :func:`early_session_read`, called before the
tray imports its core and PySide6, starts the helper's read of the stored session at once: it
runs on another core while the tray loads, and the first poll takes its answer
(:meth:`~claude_meter.sources.keyring_child.KeyringInChild.start_early`), only while the
entry's change stamp reads as it did before the child started, so the tray's
:class:`~claude_meter.sources.session_cache.SessionCache` keeps what it would have read itself.

It is not started when the first poll will not read the stored session
(``CLAUDE_METER_COOKIE`` set; the saved settings name Claude Code, the extension or a browser,
or meter only named accounts;
the configured backend holds nothing; macOS and Windows, which read in-process), nor when
another tray runs (its instance lock names a live process: this launch only asks it to open its
popover). A launch that turns out to be the second anyway kills it (``qt/compose.py``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path

from claude_meter.core import json_input
from claude_meter.platform.instance import another_tray_runs
from claude_meter.sources.keyring_child import KeyringInChild, holds_nothing, wanted

log = logging.getLogger("claude_meter.sources.keyring")


def early_session_read(
    env: Mapping[str, str], platform: str = sys.platform
) -> KeyringInChild | None:
    """A helper already reading the stored session, for the tray's first poll; None when the
    first poll will not read it or another tray runs (see the module's text). Never raises."""
    from claude_meter.core import paths
    from claude_meter.sources.cookies import COOKIE_ENV
    from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY
    from claude_meter.sources.session_cache import stamp_path

    if not wanted(platform) or env.get(COOKIE_ENV, "").strip() or holds_nothing(env):
        return None
    try:
        if not _reads_stored_session(paths.config_dir() / "settings.json"):
            return None
        if another_tray_runs():
            return None
        child = KeyringInChild()
        child.start_early(SERVICE, SESSION_ENTRY, stamp_path(SESSION_ENTRY))
    except Exception as exc:  # noqa: BLE001 - an early read is only an optimisation
        log.info("no early keyring read: %s", type(exc).__name__)
        return None
    return child


def _reads_stored_session(settings: Path) -> bool:
    """Whether the saved settings' source reads the stored session at the first poll
    (``auto``, ``pasted``, a ``browser`` without a browser named, with the default account
    metered; unreadable: the defaults)."""
    try:
        saved = json_input.loads(settings.read_bytes())
    except (OSError, json_input.NotJson):
        return True
    if not isinstance(saved, dict):
        return True
    source = saved.get("source", "auto")
    if saved.get("default_account") is False:  # only named accounts, each its own entry
        return False
    return source not in ("claude-code", "extension") and not (
        source == "browser" and saved.get("browser")
    )
