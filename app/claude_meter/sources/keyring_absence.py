"""The command line's note that the keyring holds no session, so ``auto`` need not ask it.

``claude-meter status`` (and every other command that reads the usage through
:class:`~claude_meter.poll.fetcher.Fetcher` without a keyring of its own) is a new process each
time, so it has no :class:`~claude_meter.sources.session_cache.SessionCache`: each call would import
``keyring``, choose its backend and ask it for the stored session (about 9 ms of CPU with no
keyring at all, more with the Secret Service over D-Bus) before it reaches Claude Code's
sign-in, even when nothing was ever stored. After a read that found nothing, the command line
writes a small note beside the entry's change stamp, in the state folder
(``keyring-session.absent``; no secret: the stamp as it read before the keyring read, the time,
and a digest of the keyring's configuration), and the next calls trust it, without importing
``keyring``, while:

- the entry's change stamp is unchanged: every ClaudeMeter save or delete, in any of its
  processes, rewrites it (the same rule the tray's cache follows);
- at most :data:`ABSENT_FOR_SECONDS` (30 minutes) have passed since that read: a session put
  there with another tool (``secret-tool``, Seahorse, another state folder) is seen within 30
  minutes (the tray re-reads at the latest every 6 hours);
- the keyring's configuration is the same (``PYTHON_KEYRING_BACKEND``, the D-Bus session's
  address and the stamp of ``keyringrc.cfg``, :mod:`.keyring_config`, kept only as a digest):
  a keyring that becomes reachable, or another backend chosen in either place, is asked at
  once.

"Nothing" means the keyring answered that there is no entry, or there is no usable keyring at
all (the ``fail`` or ``null`` backend: nothing can be stored in it). A read that failed (a
locked collection, an unreachable Secret Service) is never noted: the next call asks again.
A stored session itself is never kept on disk; any ClaudeMeter process that finds one removes
the note.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

log = logging.getLogger("claude_meter.sources.keyring")

#: How long "nothing stored" is trusted while the change stamp stays as it was.
ABSENT_FOR_SECONDS: Final = 30 * 60
#: What chooses the keyring a process reaches, with ``keyringrc.cfg``; a change asks again.
KEYRING_VARIABLES: Final = ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")


def note_path(stamp: Path) -> Path:
    """The note beside the entry's change stamp (``keyring-session.changed`` →
    ``keyring-session.absent``)."""
    return stamp.with_suffix(".absent")


def keyring_key(env: Mapping[str, str]) -> str:
    """A digest of the keyring's configuration: the variables and the configuration file's
    stamp (a stat: an edit asks the keyring again; neither value is written)."""
    from claude_meter.sources.keyring_config import config_stamp

    values = [env.get(name, "") for name in KEYRING_VARIABLES]
    text = "\0".join([*values, config_stamp(env)])
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def known_absent(
    stamp: Path,
    stamp_now: str | None,
    env: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.time,
) -> bool:
    """Whether a note says, still validly, that the keyring held nothing under this entry."""
    try:
        note = json.loads(note_path(stamp).read_text(encoding="utf-8"))
        noted_stamp, at, key = note["stamp"], float(note["at"]), note["keyring"]
    except (OSError, ValueError, TypeError, KeyError):
        return False
    age = clock() - at
    return noted_stamp == stamp_now and key == keyring_key(env) and 0 <= age < ABSENT_FOR_SECONDS


def note_absent(
    stamp: Path,
    stamp_before: str | None,
    env: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.time,
) -> None:
    """Note that the keyring held nothing, as of ``stamp_before`` (the change stamp read
    *before* the keyring read, so a change made during the read is seen). Never raises."""
    from claude_meter.core.files import write_atomically

    note = {"stamp": stamp_before, "at": clock(), "keyring": keyring_key(env)}
    try:
        write_atomically(note_path(stamp), json.dumps(note))
    except OSError as exc:
        log.info("could not note the keyring's empty entry: %s", type(exc).__name__)


def forget_absent(stamp: Path) -> None:
    """A session is stored: remove the note, if any. Never raises."""
    try:
        note_path(stamp).unlink(missing_ok=True)
    except OSError as exc:
        log.info("could not remove the keyring's note: %s", type(exc).__name__)
