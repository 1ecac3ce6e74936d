"""Status line readings waiting for the history, so none is lost while the tray is not running.

``claude-meter statusline`` runs after every Claude Code turn and must stay light (no SQLite,
none of the models: ``docs/last-readings.md``), so it cannot write the history itself. Besides the
last-readings file (which keeps only the newest reading per key), it appends each reading as
one JSON line to ``statusline-journal.jsonl`` beside it, under the same writers' lock. Whoever
holds the history next takes them all, oldest first, before its own reading: the tray when its
watch sees a new status line reading (so the file stays a line or two long while it runs) and
at its start, and ``claude-meter status``. Recording is idempotent (the history ignores a
reading that is not newer than the one it holds), so a reading that reaches the history both
ways is stored once.

A taker leaves the readings in the journal until the history holds them, then takes out what
it read (a new file renamed over the journal, holding what was appended since): nothing is
truncated before it is safe elsewhere, so a full disk, a locked history or a crash between
the two steps leaves the readings waiting (at worst read twice, which the history ignores).

The journal is capped at :data:`MAX_BYTES` (about a month of turns at one a minute, eight
hours a day); past that, readings are not appended until someone takes them (the status line
still shows them, and the last-readings file still holds the newest).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from claude_meter.core import json_input
from claude_meter.readings.store import Entry, default_path, writers_lock

if TYPE_CHECKING:
    from claude_meter.history import HistoryStore

log = logging.getLogger("claude_meter.readings")

FILE_NAME: Final = "statusline-journal.jsonl"
MAX_BYTES: Final = 4 * 1024 * 1024


def journal_path(store: Path | None = None) -> Path:
    """The journal beside the last-readings file ``store`` (the default one when None)."""
    return (store or default_path()).with_name(FILE_NAME)


def append(entry: Entry, store: Path | None = None) -> None:
    """Add one reading at the end of the journal; OSError is the caller's to swallow."""
    import json

    store = store or default_path()
    path = journal_path(store)
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with writers_lock(store):
        try:
            if path.stat().st_size + len(line) > MAX_BYTES:
                return
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def drain(history: HistoryStore, store: Path | None = None, *, raise_locked: bool = False) -> int:
    """Record every waiting reading into ``history``, oldest first, and empty the journal;
    returns how many were read. Never raises (a reading is never worth a crash), except
    :class:`~claude_meter.history.database.HistoryLocked` with ``raise_locked``: while another
    program holds the history's write lock the readings stay in the journal, to wait for the next
    one who holds it, and the log says so (or, with ``raise_locked``, the caller)."""
    from claude_meter.history import HistoryUnavailable
    from claude_meter.history.database import HistoryLocked
    from claude_meter.readings.convert import snapshot_of

    store = store or default_path()
    path = journal_path(store)
    if not path.exists():  # the usual case: nothing waits, so no lock is taken
        return 0
    try:
        with writers_lock(store):
            data = path.read_bytes()  # left there until the history holds them
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("could not read the status line's waiting readings: %s", exc)
        return 0
    snapshots = []
    for line in data.splitlines():
        try:
            entry = json_input.loads(line)
        except json_input.NotJson:
            continue  # a line cut short by a full disk: the others still count
        snapshot = snapshot_of(entry) if isinstance(entry, dict) else None
        if snapshot is not None:
            snapshots.append(snapshot)
    try:
        history.record_many(snapshots, raise_locked=True)  # one transaction: a month of turns
    except HistoryLocked as exc:  # they wait in the journal for the next one who holds it
        if raise_locked:
            raise
        log.warning("the status line's readings wait for the usage history: %s", exc)
        return 0
    except HistoryUnavailable as exc:
        log.warning("could not record the status line's readings: %s", exc)
        return 0
    _take_out(data, store)
    taken = len(snapshots)
    if taken:
        log.debug("%d status line reading(s) taken into the history", taken)
    return taken


def _take_out(data: bytes, store: Path) -> None:
    """Take the readings ``data`` (now in the history) out of the journal, keeping any
    appended since: the rest is written to a new file renamed over the journal, so a failed
    write (a full disk) leaves the journal whole. When the journal no longer starts with
    ``data``, another taker took them first: it is left alone."""
    from claude_meter.core.files import write_atomically

    path = journal_path(store)
    try:
        with writers_lock(store):
            try:
                now = path.read_bytes()
            except FileNotFoundError:
                return
            if not now.startswith(data):
                return
            rest = now[len(data) :]
            if rest:
                write_atomically(path, rest)
            else:
                path.unlink()
    except OSError as exc:  # they stay, to be read again (the history ignores repeats)
        log.warning("the status line's readings taken could not be cleared: %s", exc)
