"""Which networks claude.ai challenged lately, kept across runs of the app and the CLI.

One small file in the state folder, ``challenged-networks.json``: for each network where Python's
TLS was challenged, the time (seconds since 1970) until which claude.ai's requests go straight to
the browser-like transport (:mod:`claude_meter.clients.web_transport` decides with it). A
network is named by a hash of the base URL and the local address toward it, so the file holds
no address in clear and no secret. A missing, unreadable or malformed file counts as empty:
the worst case is one challenged request before the switch, as on a network seen first.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Final

from claude_meter.core import json_input, paths
from claude_meter.core.files import write_atomically

log = logging.getLogger(__name__)

FILE_NAME: Final = "challenged-networks.json"
#: How long a challenged network keeps the browser-like transport without trying Python's TLS again.
TTL: Final = 24 * 3600.0


def _path() -> Path:
    return paths.state_dir() / FILE_NAME


def _name(base_url: str, network: str) -> str:
    return hashlib.sha256(f"{base_url}|{network}".encode()).hexdigest()[:16]


def load(now: float) -> dict[str, float]:
    """The networks still remembered at ``now`` (hashed name: until when)."""
    try:
        data = json_input.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):  # json_input.NotJson is a ValueError
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: float(until)
        for name, until in data.items()
        if isinstance(name, str) and isinstance(until, int | float) and until > now
    }


def is_challenged(entries: dict[str, float], base_url: str, network: str) -> bool:
    return _name(base_url, network) in entries


def remember(base_url: str, network: str, now: float) -> None:
    """Keep this network for :data:`TTL`; a failed write is logged and otherwise ignored."""
    entries = load(now)
    entries[_name(base_url, network)] = now + TTL
    try:
        write_atomically(_path(), json.dumps(entries, indent=1) + "\n")
    except OSError as exc:
        log.info("could not remember the challenged network: %s", type(exc).__name__)
