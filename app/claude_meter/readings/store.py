"""The last-readings file: one small JSON document, atomically replaced, many writers.

``last-readings.json`` in the state folder holds, per route and account (the *key*: source,
the metered account, and organization, else e-mail), the newest reading: its windows, extra
usage and last error, never a secret. Writers take an exclusive lock on ``last-readings.lock``
beside it for the whole read-merge-replace, so twenty writers at once lose nothing; readers
take no lock: the file is only ever replaced whole (``os.replace``), so a reader sees the old
or the new one.
A reading older than the one stored for its key never replaces it (a slow writer cannot
bring back old numbers), and entries unseen for :data:`KEEP` are dropped.

The format is versioned (:data:`VERSION`) and documented in ``docs/last-readings.md``. None of
the app's models here, nor anything slow to import: ``status --cached`` and ``statusline``
load it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from claude_meter.core import json_input
from claude_meter.core.files import write_atomically
from claude_meter.core.server_time import within_range

FORMAT: Final = "claude-meter-last-readings"
VERSION: Final = 1
FILE_NAME: Final = "last-readings.json"
#: An entry nobody refreshed for this long is dropped on the next write.
KEEP: Final = timedelta(days=30)
#: At most this many entries (routes x accounts); the oldest go first.
MAX_ENTRIES: Final = 64
#: A file larger than this is not read (it is not ours, or something went wrong).
MAX_BYTES: Final = 256 * 1024

Entry = dict[str, Any]


class StoreUnreadable(Exception):
    """The file exists but is not a last-readings document this version understands."""


def quick_folder(variable: str, default: str) -> Path | None:
    """ClaudeMeter's folder under ``$variable`` (else ``~/default``) on Linux, computed as
    platformdirs does, so the fast commands skip importing it; None elsewhere (ask
    ``core/paths``)."""
    if not sys.platform.startswith("linux"):
        return None
    base = os.environ.get(variable, "").strip()
    return (Path(base) if base else Path.home() / default) / "claude-meter"


def default_path() -> Path:
    """``last-readings.json`` in ClaudeMeter's state folder (``core/paths.state_dir``)."""
    folder = quick_folder("XDG_STATE_HOME", ".local/state")
    if folder is None:
        from claude_meter.core.paths import state_dir

        folder = state_dir()
    return folder / FILE_NAME


def iso(moment: datetime) -> str:
    """A time as the file writes it: ISO-8601 in UTC with a ``Z``."""
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def parse_time(text: object) -> datetime | None:
    """A time from the file; anything else (or a naive time) is None."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return within_range(moment) if moment.tzinfo is not None else None


def entry_key(entry: Entry) -> str:
    """Which stored entry a reading replaces: its route, its metered account and its
    organization (else e-mail). Two accounts in one Team organization are two entries; the
    default account's key is what it was before accounts, so an older file's entries are
    replaced by the newer readings of the same route."""
    who = entry.get("org_uuid") or entry.get("account_email") or "-"
    account = entry.get("account")
    if isinstance(account, str) and account:
        return f"{entry.get('source')}:{who}@{account}"
    return f"{entry.get('source')}:{who}"


def load(path: Path | None = None) -> list[Entry]:
    """Every stored entry, newest reading first; an absent file is an empty list.

    Raises :class:`StoreUnreadable` for a file that is not a document this version reads.
    """
    path = path or default_path()
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreUnreadable(f"{path}: {exc.strerror or exc}") from None
    return _entries(data, path)


def _entries(data: bytes, path: Path) -> list[Entry]:
    if len(data) > MAX_BYTES:
        raise StoreUnreadable(f"{path} is larger than {MAX_BYTES // 1024} KiB")
    try:
        document = json_input.loads(data)
    except json_input.NotJson as exc:  # said as settings.json's and sources.json's are
        raise StoreUnreadable(f"{path} is {json_input.not_valid(exc)}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StoreUnreadable(f"{path} is not a ClaudeMeter last-readings file")
    if document.get("version") != VERSION:
        raise StoreUnreadable(
            f"{path} has format version {document.get('version')!r}; this ClaudeMeter "
            f"reads version {VERSION}"
        )
    readings = document.get("readings")
    if not isinstance(readings, list):
        return []
    good = [e for e in readings if isinstance(e, dict) and parse_time(e.get("read_at"))]
    return sorted(good, key=_read_at, reverse=True)


def _read_at(entry: Entry) -> datetime:
    return parse_time(entry.get("read_at")) or datetime.min.replace(tzinfo=UTC)


def merge(stored: Iterable[Entry], incoming: Iterable[Entry], now: datetime) -> list[Entry]:
    """The entries after ``incoming`` arrive: per key the newest reading wins; a reading
    that failed keeps the last good numbers of its key and adds its ``error``."""
    by_key = {entry_key(e): e for e in stored}
    for entry in incoming:
        key = entry_key(entry)
        old = by_key.get(key)
        if old is None:
            by_key[key] = entry
        elif entry.get("error") and not entry.get("windows") and old.get("windows"):
            if _read_at(entry) >= _read_at(old):
                by_key[key] = {**old, "error": entry["error"]}
        elif _read_at(entry) >= _read_at(old):
            by_key[key] = entry
    kept = [e for e in by_key.values() if now - _read_at(e) < KEEP]
    kept.sort(key=_read_at, reverse=True)
    return kept[:MAX_ENTRIES]


def record(entries: Iterable[Entry], now: datetime, path: Path | None = None) -> None:
    """Merge ``entries`` into the file under the writers' lock, then replace it whole.

    An unreadable file (not ours, a future version) is left as it is and the error raised;
    callers log it, a reading is never worth a crash.
    """
    incoming = list(entries)
    if not incoming:
        return
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with writers_lock(path):
        merged = merge(load(path), incoming, now)
        document = {"format": FORMAT, "version": VERSION, "written_at": iso(now)}
        document["readings"] = merged
        write_atomically(path, json.dumps(document, ensure_ascii=False, separators=(",", ":")))


def writers_lock(path: Path) -> _Lock:
    """The writers' exclusive lock of the store at ``path`` (held for one write)."""
    return _Lock(path.with_suffix(".lock"))


class _Lock:
    """An exclusive lock on a small file beside the store, held for one write."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = -1

    def __enter__(self) -> None:
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(self._fd, msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises
        else:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(self._fd, 0, os.SEEK_SET)
            msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
        os.close(self._fd)  # closing releases the flock
