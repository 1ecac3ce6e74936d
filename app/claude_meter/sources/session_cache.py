"""The tray's copy of a stored session, and the stamp files that say when it changed.

The tray app polls every minute, and a keyring read is not free (with the Secret Service: a new
D-Bus connection and a key exchange, ~15 ms of CPU; the libraries ~10 MB resident, for good).
So the tray passes, for its whole run, a
:class:`~claude_meter.sources.keyring_store.Keyring` (a :class:`SessionCache` and, on
Linux, a backend that runs each call in a short-lived child process
(:class:`~claude_meter.sources.keyring_child.KeyringInChild`)) to whatever opens a store.
The stored session is read once
and then again only when it may have changed:

- ClaudeMeter changed it, in any of its processes: every save or delete rewrites a small stamp
  file in the state folder (a random nonce, no secret; one per entry, see
  :data:`STAMP_NAMES`), which the cache compares per poll;
- the server refused it (401), at most every :data:`REREAD_AFTER_REFUSAL_SECONDS`: someone
  may have put a new one there with another tool (Seahorse, ``secret-tool``);
- the keyring could not be read (locked, no D-Bus): again after
  :data:`RETRY_AFTER_FAILURE_SECONDS`, not on every poll (a locked keyring may prompt);
- and in any case after :data:`MAX_AGE_SECONDS`.

A process that writes the entry itself reads it back at its next use rather than trusting its
own copy: another process may have written between its write and its stamp.

The command line passes none: each command reads the keyring itself, once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from claude_meter.sources.cookies import SessionCookies

log = logging.getLogger("claude_meter.sources.keyring")

SESSION_ENTRY: Final = "claude.ai session"
BRIDGE_ENTRY: Final = "bridge pairing token"

#: A stored session the server refused is read again at most this often.
REREAD_AFTER_REFUSAL_SECONDS: Final = 30 * 60
#: A keyring that could not be read is asked again after this long.
RETRY_AFTER_FAILURE_SECONDS: Final = 10 * 60
#: However quiet, the copy is read again after this long (a change made with another tool,
#: or by a ClaudeMeter with another state folder, is then seen).
MAX_AGE_SECONDS: Final = 6 * 3600
#: The stamp file of each entry: rewritten (a random nonce, no secret) whenever ClaudeMeter
#: changes that entry, so a running tray can tell without reading the keyring.
STAMP_NAMES: Final = {
    SESSION_ENTRY: "keyring-session.changed",
    BRIDGE_ENTRY: "keyring-bridge.changed",
}


def stamp_path(entry: str = SESSION_ENTRY) -> Path:
    """The change stamp of ``entry`` in the state folder (an account's session entry,
    ``claude.ai session (<id>)``, has its own: ``keyring-session-<id>.changed``)."""
    from claude_meter.core.paths import state_dir

    name = STAMP_NAMES.get(entry)
    if name is None:
        account = entry.removeprefix(SESSION_ENTRY + " (").removesuffix(")")
        name = f"keyring-session-{account}.changed"
    return state_dir() / name


def read_stamp(path: Path) -> str | None:
    """The stamp as it reads now (None: none written yet, or unreadable)."""
    try:
        return path.read_text(encoding="ascii", errors="replace")[:64]
    except OSError:
        return None


def mark_changed(path: Path) -> None:
    """Tell every running ClaudeMeter that an entry changed. Never raises."""
    from claude_meter.core.files import write_atomically

    for attempt in range(3):
        try:
            write_atomically(path, os.urandom(16).hex())
            return
        except PermissionError:  # Windows: a reader has the old stamp open at this moment
            if attempt < 2:
                time.sleep(0.05)
        except OSError as exc:
            log.info("could not write the keyring change stamp: %s", type(exc).__name__)
            return
    log.info("could not write the keyring change stamp: PermissionError")


class SessionCache:
    """The tray's copy of the stored session, so that a poll need not reach the keyring.

    :meth:`get` answers ``(True, session)`` while the copy is good (see the module's text for
    when it is not). Thread-safe: polls run on the fetch thread, a pasted session arrives on
    the GUI thread.
    """

    def __init__(
        self, stamp: Path | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stamp = stamp or stamp_path(SESSION_ENTRY)
        self._clock = clock
        self._lock = threading.Lock()
        # (stamp when read, monotonic time read, the session, good until or None)
        self._entry: tuple[str | None, float, SessionCookies | None, float | None] | None = None
        self._refused = False  # the server refused the session kept here
        self.reads = 0  # how often the keyring itself was read (for tests and benchmarks)

    def get(self) -> tuple[bool, SessionCookies | None]:
        with self._lock:
            entry = self._entry
        if entry is None:
            return False, None
        stamp, taken, value, until = entry
        now = self._clock()
        if until is not None and now >= until:
            return False, None
        if now - taken >= MAX_AGE_SECONDS or read_stamp(self.stamp) != stamp:
            return False, None
        return True, value

    def stamp_now(self) -> str | None:
        """The stamp as it reads now: taken *before* a keyring read, so that a change made
        during the read is seen at the next poll."""
        return read_stamp(self.stamp)

    def put(self, value: SessionCookies | None, stamp: str | None) -> None:
        """Keep what the keyring said, until the stamp changes."""
        with self._lock:
            self.reads += 1
            self._entry, self._refused = (stamp, self._clock(), value, None), False

    def failed(self, stamp: str | None) -> None:
        """The keyring could not be read: no session, until the stamp changes or for
        :data:`RETRY_AFTER_FAILURE_SECONDS`."""
        with self._lock:
            self.reads += 1
            now = self._clock()
            self._entry = (stamp, now, None, now + RETRY_AFTER_FAILURE_SECONDS)
            self._refused = False

    def changed(self) -> None:
        """This process changed the entry: stamp it, and read it back at the next use.

        Not kept as written: another process may have changed it between our write and our
        stamp, and the keyring holds whichever came last. Writes are rare (a paste, a rotated
        sessionKey); one more read each is cheap."""
        mark_changed(self.stamp)
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._entry, self._refused = None, False

    def refused(self) -> None:
        """The server refused the session kept here: read again, unless that was done less
        than :data:`REREAD_AFTER_REFUSAL_SECONDS` ago."""
        with self._lock:
            entry = self._entry
            if entry is not None and self._clock() - entry[1] >= REREAD_AFTER_REFUSAL_SECONDS:
                self._entry, self._refused = None, False
            else:
                self._refused = True

    def known_refused(self) -> bool:
        """The copy :meth:`get` just gave is one the server refused less than
        :data:`REREAD_AFTER_REFUSAL_SECONDS` after it was read: a poll need not offer it again
        (one more refusal then, and it is read again). Asked right after a load, so the copy's
        validity (stamp, age) is not checked a second time."""
        with self._lock:
            entry = self._entry
            return (
                self._refused
                and entry is not None
                and self._clock() - entry[1] < REREAD_AFTER_REFUSAL_SECONDS
            )
