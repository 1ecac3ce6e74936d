"""Answers that rarely change, remembered between runs of the command line.

The tray keeps the organization list, the account and the extras (overage, subscription)
for :data:`~claude_meter.clients.http.DISCOVERY_TTL` (30 minutes) in memory, in its
:class:`~claude_meter.clients.http.ClientPool`. ``claude-meter status`` is a new process
each time, so it keeps them under the same rule in one small file in the state folder,
``remembered-answers.json``: then a call asks claude.ai only for each organization's
``/usage``.

Each entry is ``key: [until, value]``, ``until`` in seconds since 1970 and ``value`` the
answer as JSON. A key names the route, the server and the session by a short SHA-256 digest
(as :func:`claude_meter.core.oauth_hold.token_key` does for tokens), which reveals nothing of
it; the values are organization names and ids, the account's email and plan details, which
``last-readings.json`` and ``sources.json`` hold too. No secret is ever written here. A
missing, unreadable or malformed file counts as empty: the worst case is a call that asks for
everything, as on a new machine.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from claude_meter.core import json_input, paths
from claude_meter.core.files import write_atomically

log = logging.getLogger(__name__)

FILE_NAME: Final = "remembered-answers.json"
#: No entry is trusted longer than this from now, whatever its ``until`` (a clock set back).
LONGEST: Final = 3600.0


class RememberedAnswers:
    """A file-backed memo with the :class:`~claude_meter.clients.http.ClientPool` methods.

    Values must be JSON (the callers turn their models into it and back). ``clock`` is the
    wall clock in seconds: entries outlive the process.
    """

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self._path = path or paths.state_dir() / FILE_NAME
        self._clock = clock
        self._entries: dict[str, tuple[float, object]] | None = None

    def _load(self) -> dict[str, tuple[float, object]]:
        if self._entries is None:
            self._entries = {}
            try:
                data = json_input.loads(self._path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # json_input.NotJson is a ValueError
                data = {}
            for key, entry in data.items() if isinstance(data, dict) else ():
                if (
                    isinstance(entry, list)
                    and len(entry) == 2
                    and isinstance(entry[0], int | float)
                ):
                    self._entries[key] = (float(entry[0]), entry[1])
        return self._entries

    def recall(self, key: str) -> object | None:
        entry = self._load().get(key)
        if entry is None:
            return None
        until, value = entry
        now = self._clock()
        return value if now <= until <= now + LONGEST else None

    def remember(self, key: str, value: object, ttl: float) -> None:
        now = self._clock()
        entries = {k: e for k, e in self._load().items() if e[0] >= now}
        entries[key] = (now + ttl, value)
        self._save(entries)

    def forget(self, prefix: str) -> None:
        entries = self._load()
        kept = {k: e for k, e in entries.items() if not k.startswith(prefix)}
        if len(kept) != len(entries):
            self._save(kept)

    def _save(self, entries: dict[str, tuple[float, object]]) -> None:
        self._entries = entries
        text = json.dumps({k: [until, value] for k, (until, value) in entries.items()}, indent=1)
        try:
            write_atomically(self._path, text + "\n")
        except OSError as exc:
            log.info("could not remember the answers: %s", type(exc).__name__)
