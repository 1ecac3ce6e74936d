"""The usage history: the readings that changed a number, per account, organization and window.

Why it is shaped this way:

- **Two writers at once.** The tray app and a ``claude-meter status`` call write the same file.
  WAL lets readers run while one process writes; every write is a short ``BEGIN IMMEDIATE``
  transaction and the busy timeout makes a second writer wait its turn instead of failing
  with "database is locked".
- **Never a crash over history.** A file that is not a database, or that fails
  ``PRAGMA quick_check``, is renamed ``history.sqlite3.corrupt-<UTC time>`` and a fresh one is
  created, with a warning in the ``claude_meter.history`` log. The same happens when an error
  during use says the file is corrupt. Other failures (disk full, read-only) are logged and
  the reading is dropped; only :meth:`HistoryStore.open` raises, :class:`HistoryUnavailable`,
  when no database can be had at all.
- **Compact.** 90 days of one-minute polling of three windows is 388,800 rows if every number
  moves every minute. Times are integer epoch seconds; percents are integer *hundredths*
  (``percent_centi``, 2 bytes on disk, exact to the server's precision) rather than REAL, which
  SQLite stores in 8 bytes whenever there is a fraction: the worst case measured 10.9 MB with
  REAL and 8.3 MB with hundredths. The primary key ``(at, window_id)`` makes every insert an
  append at the end of the b-tree, so pages stay full.
- **Only changes, plus a keep-alive.** A reading is stored when its percent or ``resets_at``
  changed since the last stored one for that window, or when that one is older than
  :data:`KEEPALIVE`: without it, a flat stretch could not be told from a time nobody watched.
- **Per account.** A window is an account's, an organization's and a key's: two members of
  one Team organization metered side by side are two accounts with the same organization
  uuid, and their readings must not mix. The default account (``None`` in snapshots, see
  ``core/accounts.py``) is stored as ``''``, so everything recorded before accounts existed
  is its. Reads of one window take ``account=`` (the default one unless said); reads over
  many take an account filter, :data:`EVERY` (the default) or one account.
- **Schema versions.** ``PRAGMA user_version`` is the number of ``MIGRATIONS`` applied;
  the missing ones run in order, in one transaction, when the file is opened. Opening,
  checking, migrating and replacing the file live in ``database.py``.

A little past 400 lines: one job, :class:`HistoryStore`, the history's only door, whose reads
and writes share one connection, its lock and one guard (``_guard``: a corrupt file replaced,
a locked one said); what could leave has left (opening and migrating: ``database.py``; what
to store: ``recording.py``; the History window's reads: ``reads.py``), and the rest are a few
lines each, with the design notes above a tenth of the file.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import msgspec

from claude_meter.core.forecast import Sample
from claude_meter.history.database import (
    HistoryLocked,
    HistoryUnavailable,
    connect_read_only,
    in_words,
    is_corrupt,
    is_locked,
    open_or_replace,
    replace_corrupt,
    write,
)
from claude_meter.history.recording import (
    KEEPALIVE as KEEPALIVE,  # where the tests and the docs name them
)
from claude_meter.history.recording import (
    RETENTION as RETENTION,
)
from claude_meter.history.recording import (
    epoch,
    prune_before,
    record_window,
    time_of,
    time_or_none,
    window_readings,
)

if TYPE_CHECKING:
    from types import TracebackType

    from claude_meter.core.models import Snapshot

log = logging.getLogger("claude_meter.history")

FILE_NAME: Final = "history.sqlite3"
_PRUNE_EVERY: Final = timedelta(hours=1)

EventKind = Literal["reset", "limit_hit"]


class _Every(enum.Enum):
    ACCOUNT = "every account"


#: The account filter that takes every account (the default of the reads over many windows).
EVERY: Final = _Every.ACCOUNT
#: Which account a read takes: one (a named account's id, None for the default one), or all.
AccountFilter = str | None | Literal[_Every.ACCOUNT]


class Event(msgspec.Struct, frozen=True):
    """A reset (a new period began) or a limit hit (the window reached 100 %)."""

    at: datetime
    org_uuid: str
    window_key: str
    kind: EventKind
    percent: float
    resets_at: datetime | None
    account: str | None = None


class Reading(msgspec.Struct, frozen=True):
    """One stored reading with its organization, window and the events it carried."""

    at: datetime
    org_uuid: str
    window_key: str
    percent: float
    resets_at: datetime | None
    events: tuple[str, ...] = ()
    account: str | None = None  # a named account's id; None: the default account


#: One exported reading: time, org, window, percent, resets_at, event, account (see
#: ``export``; the account is its id, None for the default one).
ExportRow = tuple[str, str, str, float, str | None, str | None, str | None]


def default_path() -> Path:
    from claude_meter.core.paths import data_dir

    return data_dir() / FILE_NAME


class HistoryStore:
    """The history database. Thread-safe; use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        *,
        quick_check: bool,
        busy: float | None = None,
    ) -> None:
        self._db = connection
        self._path = path
        self._quick_check = quick_check
        self._busy = busy
        self._lock = threading.Lock()
        self._closed = False
        self._pruned_at: datetime | None = None

    @classmethod
    def open(
        cls, path: Path | None = None, *, quick_check: bool = True, busy: float | None = None
    ) -> HistoryStore:
        """Open (creating, migrating or replacing a corrupt file as needed).

        ``quick_check`` runs SQLite's integrity check, which reads the whole file (about 0.2 s
        for 90 busy days): the app does it once at start; a one-shot CLI call skips it and
        relies on corruption being caught when it shows. ``busy``: how long a write waits for
        another program's lock (the tray's: ``GUI_BUSY_TIMEOUT_SECONDS``).
        """
        path = path or default_path()
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            where = exc.filename or path.parent
            raise HistoryUnavailable(
                f"cannot create {path.parent} ({where}: {exc.strerror}): make that folder "
                "writable for you"
            ) from exc
        db = open_or_replace(path, quick_check=quick_check, busy=busy)
        return cls(db, path, quick_check=quick_check, busy=busy)

    @classmethod
    def open_read_only(cls, path: Path | None = None) -> HistoryStore:
        """Open to read only (``history``, the History window): a history in a read-only
        folder or file, a snapshot or a backup, can be looked at. A file that is not there
        yet, needs migrating or is damaged is opened as :meth:`open` does."""
        path = path or default_path()
        db = connect_read_only(path)
        if db is None:
            return cls.open(path, quick_check=False)
        return cls(db, path, quick_check=False)

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def record(self, snapshot: Snapshot) -> bool:
        """Store the windows of ``snapshot`` that changed; True when a row was written."""
        return self.record_many((snapshot,)) == 1

    def record_many(self, snapshots: Iterable[Snapshot], *, raise_locked: bool = False) -> int:
        """:meth:`record` each snapshot in turn, in one transaction (one commit instead of one
        each: the demo's seeded past is thousands); returns how many wrote a row.

        Another program's write lock held past the busy timeout drops them with a warning in
        the log, or, with ``raise_locked``, raises :class:`HistoryLocked` for the caller to say
        (nothing is written then)."""
        if self._closed:  # a poll that was in flight when the app quit: nothing to keep
            return 0
        batch = [(s, r) for s in snapshots if (r := window_readings(s))]
        if not batch:
            return 0
        with self._guard("record", raise_locked=raise_locked) as db:
            written, pruned_at = 0, self._pruned_at
            with write(db):
                for snapshot, readings in batch:
                    at, now = epoch(snapshot.fetched_at), snapshot.fetched_at
                    whose = (stored_account(snapshot.account), snapshot.org_uuid or "")
                    wrote = False
                    for key, centi, resets_at in readings:
                        wrote |= record_window(db, whose, key, at, centi, resets_at)
                    if pruned_at is None or now - pruned_at >= _PRUNE_EVERY:
                        prune_before(db, now)
                        pruned_at = now
                    written += wrote
            self._pruned_at = pruned_at
            return written
        return 0

    def prune(self, now: datetime) -> int:
        """Delete readings and events older than :data:`RETENTION`; returns how many."""
        with self._guard("prune") as db, write(db):
            return prune_before(db, now)
        return 0

    # -- reading ---------------------------------------------------------------------------

    def samples(
        self,
        org_uuid: str,
        window_key: str,
        since: datetime,
        until: datetime | None = None,
        *,
        account: str | None = None,
    ) -> list[Sample]:
        """The readings of one window of ``account`` from ``since`` (inclusive), oldest first."""
        query = (
            "SELECT s.at, s.percent_centi, s.resets_at FROM sample s "
            "WHERE s.window_id = (SELECT id FROM window "
            "WHERE account = ? AND org_uuid = ? AND key = ?) "
            "AND s.at >= ? AND s.at <= ? ORDER BY s.at"
        )
        end = epoch(until) if until is not None else 2**62
        params = (stored_account(account), org_uuid, window_key, epoch(since), end)
        with self._guard("samples") as db:
            rows = db.execute(query, params).fetchall()
            return [Sample(time_of(at), centi / 100, time_or_none(r)) for at, centi, r in rows]
        return []

    def readings(
        self,
        since: datetime,
        *,
        org_uuid: str | None = None,
        window_key: str | None = None,
        account: AccountFilter = EVERY,
    ) -> list[Reading]:
        """Every reading from ``since``, oldest first (same-second readings in the order their
        windows were first stored)."""
        query = (
            "SELECT s.at, w.org_uuid, w.key, s.percent_centi, s.resets_at, "
            "(SELECT group_concat(e.kind, ';') FROM event e "
            " WHERE e.at = s.at AND e.window_id = s.window_id), w.account "
            "FROM sample s JOIN window w ON w.id = s.window_id WHERE s.at >= ? "
            "AND (? IS NULL OR w.account = ?) AND (? IS NULL OR w.org_uuid = ?) "
            "AND (? IS NULL OR w.key = ?) "
            "ORDER BY s.at, s.window_id"  # the primary key's order: no sort
        )
        params = (epoch(since), *_filters(account, org_uuid, window_key))
        with self._guard("readings") as db:
            return [
                Reading(
                    time_of(at),
                    org,
                    key,
                    centi / 100,
                    time_or_none(resets_at),
                    tuple(kinds.split(";")) if kinds else (),
                    who or None,
                )
                for at, org, key, centi, resets_at, kinds, who in db.execute(query, params)
            ]
        return []

    def export(
        self,
        since: datetime,
        *,
        org_uuid: str | None = None,
        window_key: str | None = None,
        account: AccountFilter = EVERY,
    ) -> list[ExportRow]:
        """:meth:`readings` as rows of text and numbers for CSV and JSON: ``(time, org,
        window, percent, resets_at, event, account)``, times ISO-8601 UTC, ``event`` None or
        ``reset``, ``limit_hit``, ``reset;limit_hit``, ``account`` the account's id (None:
        the default one). SQLite formats the times, which keeps a week of every-minute
        readings well under the export's time budget."""
        query = (
            "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', s.at, 'unixepoch'), w.org_uuid, w.key, "
            "s.percent_centi / 100.0, strftime('%Y-%m-%dT%H:%M:%SZ', s.resets_at, 'unixepoch'), "
            "(SELECT group_concat(e.kind, ';') FROM event e "
            " WHERE e.at = s.at AND e.window_id = s.window_id), nullif(w.account, '') "
            "FROM sample s JOIN window w ON w.id = s.window_id WHERE s.at >= ? "
            "AND (? IS NULL OR w.account = ?) AND (? IS NULL OR w.org_uuid = ?) "
            "AND (? IS NULL OR w.key = ?) "
            "ORDER BY s.at, s.window_id"  # the primary key's order: no sort
        )
        params = (epoch(since), *_filters(account, org_uuid, window_key))
        with self._guard("export") as db:
            return db.execute(query, params).fetchall()
        return []

    def events(
        self,
        since: datetime,
        *,
        org_uuid: str | None = None,
        window_key: str | None = None,
        kind: EventKind | None = None,
        account: AccountFilter = EVERY,
    ) -> list[Event]:
        """Resets and limit hits from ``since``, oldest first."""
        query = (
            "SELECT e.at, w.org_uuid, w.key, e.kind, e.percent_centi, e.resets_at, w.account "
            "FROM event e JOIN window w ON w.id = e.window_id WHERE e.at >= ? "
            "AND (? IS NULL OR w.account = ?) AND (? IS NULL OR w.org_uuid = ?) "
            "AND (? IS NULL OR w.key = ?) "
            "AND (? IS NULL OR e.kind = ?) ORDER BY e.at, w.account, w.org_uuid, w.key, e.kind"
        )
        params = (epoch(since), *_filters(account, org_uuid, window_key), kind, kind)
        with self._guard("events") as db:
            return [
                Event(time_of(at), org, key, k, centi / 100, time_or_none(r), who or None)
                for at, org, key, k, centi, r, who in db.execute(query, params)
            ]
        return []

    def query(self, what: str, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Rows of a read-only ``sql`` (for the views in :mod:`claude_meter.history.reads`);
        an error is logged as for every other read and gives no rows."""
        with self._guard(what) as db:
            return db.execute(sql, params).fetchall()
        return []

    # -- failure handling ------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, what: str, *, raise_locked: bool = False) -> Iterator[sqlite3.Connection]:
        """Run one operation; a database error is logged (and a corrupt file replaced).

        The caller's ``with`` body returns its result; when an error is swallowed, the code
        after the ``with`` returns the operation's neutral value (False, 0, an empty list).
        """
        with self._lock:
            try:
                yield self._db
            except sqlite3.DatabaseError as exc:
                if raise_locked and is_locked(exc):
                    raise HistoryLocked(in_words(exc, self._path, self._busy)) from exc
                if not is_corrupt(exc):
                    done = {"record": "written", "prune": "pruned"}.get(what, "read")
                    log.warning(
                        "the usage history was not %s: %s",
                        done,
                        in_words(exc, self._path, self._busy),
                    )
                    return
                self._db.close()
                try:
                    self._db = replace_corrupt(
                        self._path, quick_check=self._quick_check, busy=self._busy, why=exc
                    )
                except (HistoryUnavailable, sqlite3.Error, OSError) as again:
                    log.warning("history database could not be recreated: %s", again)
                    self._db = sqlite3.connect(":memory:")  # keeps close() and later calls safe


def stored_account(account: str | None) -> str:
    """The account as the ``window`` table keeps it: its id, ``''`` for the default one."""
    return account or ""


def account_filter(account: AccountFilter) -> str | None:
    """An account filter as a query parameter: None for every account, else its stored key."""
    return None if account is EVERY else stored_account(account)


def _filters(account: AccountFilter, org: str | None, key: str | None) -> tuple[object, ...]:
    """The parameters of the reads' filters on account, organization and key, in order."""
    who = account_filter(account)
    return (who, who, org, org, key, key)
