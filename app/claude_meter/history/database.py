"""The history's SQLite file: opened in WAL mode, checked, migrated, replaced when corrupt.

:class:`~claude_meter.history.store.HistoryStore` keeps the readings in it; this module only
gives it a usable connection (see the store's docstring for why the file is shaped this way).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

log = logging.getLogger("claude_meter.history")

BUSY_TIMEOUT_SECONDS: Final = 10.0
#: The tray writes on its GUI thread: another program holding the write lock must not freeze
#: it for the full timeout at every reading (the lock's usual holders, a ``status`` or the
#: status line's journal, keep it for milliseconds); a reading it drops is said in the log.
GUI_BUSY_TIMEOUT_SECONDS: Final = 0.5
#: ``status`` (and ``bridge``) record the reading they print: a status bar or Claude Code's
#: status line runs ``status`` every few seconds and must answer fast, so they wait no longer
#: than the tray, then print the numbers anyway and say the reading was not recorded.
READING_BUSY_TIMEOUT_SECONDS: Final = GUI_BUSY_TIMEOUT_SECONDS
_CORRUPT_CODES: Final = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY, _LOCKED, _READONLY, _FULL, _CANTOPEN = 5, 6, 8, 13, 14  # SQLite's primary result codes

#: Schema migrations, oldest first; ``PRAGMA user_version`` counts how many have run.
#: Append only: a released migration is never edited.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE window (
            id INTEGER PRIMARY KEY,
            org_uuid TEXT NOT NULL,
            key TEXT NOT NULL,
            last_at INTEGER,
            last_percent_centi INTEGER,
            last_resets_at INTEGER,
            UNIQUE (org_uuid, key)
        )""",
        """CREATE TABLE sample (
            at INTEGER NOT NULL,
            window_id INTEGER NOT NULL REFERENCES window (id),
            percent_centi INTEGER NOT NULL,
            resets_at INTEGER,
            PRIMARY KEY (at, window_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE event (
            at INTEGER NOT NULL,
            window_id INTEGER NOT NULL REFERENCES window (id),
            kind TEXT NOT NULL,
            percent_centi INTEGER NOT NULL,
            resets_at INTEGER,
            PRIMARY KEY (at, window_id, kind)
        ) WITHOUT ROWID""",
    ),
    # 2: windows per account as well (issue 18): two accounts in one Team organization are
    # two windows each. Every existing row belongs to the default account (''); the ids are
    # kept, so samples and events still point at their window. SQLite cannot change a
    # UNIQUE constraint in place: the table is rebuilt, as its documentation describes.
    (
        """CREATE TABLE window_by_account (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL DEFAULT '',
            org_uuid TEXT NOT NULL,
            key TEXT NOT NULL,
            last_at INTEGER,
            last_percent_centi INTEGER,
            last_resets_at INTEGER,
            UNIQUE (account, org_uuid, key)
        )""",
        """INSERT INTO window_by_account
            (id, org_uuid, key, last_at, last_percent_centi, last_resets_at)
            SELECT id, org_uuid, key, last_at, last_percent_centi, last_resets_at FROM window""",
        "DROP TABLE window",
        "ALTER TABLE window_by_account RENAME TO window",
    ),
)


class HistoryUnavailable(Exception):
    """No history database can be opened (read-only disk, no space, a newer schema)."""


class HistoryLocked(HistoryUnavailable):
    """Another program held the write lock past the busy timeout; raised by a write that
    asked for it (``raise_locked=True``) instead of the log's warning."""


def is_locked(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in (_BUSY, _LOCKED)


@contextlib.contextmanager
def write(db: sqlite3.Connection) -> Iterator[None]:
    """One immediate transaction: it takes the write lock up front, so the busy timeout
    applies (a deferred one that upgrades later can fail at once with "database is locked")."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# -- opening, checking, migrating --------------------------------------------------------


def open_or_replace(
    path: Path, *, quick_check: bool, busy: float | None = None
) -> sqlite3.Connection:
    """``busy``: how long a write waits for another program's lock (default
    :data:`BUSY_TIMEOUT_SECONDS`)."""
    try:
        return connect(path, quick_check=quick_check, busy=busy)
    except sqlite3.DatabaseError as exc:
        if not is_corrupt(exc):
            raise HistoryUnavailable(in_words(exc, path, busy)) from exc
        why = exc
    return replace_corrupt(path, quick_check=quick_check, busy=busy, why=why)


def replace_corrupt(
    path: Path, *, quick_check: bool, busy: float | None = None, why: object = "damaged"
) -> sqlite3.Connection:
    """Move a corrupt file (and its WAL) aside, then create a fresh database; said, with
    where the old one went. :class:`HistoryUnavailable` when it cannot be moved (a read-only
    folder): a file that is not ours to delete stays, and the meter runs without a history."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        try:
            source.rename(path.with_name(aside.name + suffix))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise HistoryUnavailable(
                f"{path} is damaged ({why}) and could not be moved aside "
                f"({exc.strerror or type(exc).__name__}): move it away yourself, or make its "
                "folder writable for you, to start a new history"
            ) from exc
    log.warning(
        "history database %s is damaged (%s): it was kept as %s, and a new one started",
        path,
        why,
        aside.name,
    )
    try:
        return connect(path, quick_check=quick_check, busy=busy)
    except sqlite3.Error as exc:
        raise HistoryUnavailable(in_words(exc, path, busy)) from exc


def in_words(exc: sqlite3.Error, path: Path, busy: float | None = None) -> str:
    """Why the history file cannot be used, and what to do, in a person's words: SQLite's
    own ("unable to open database file", "database is locked") say neither."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    fix = "or move it away to start a new history"
    if primary in (_BUSY, _LOCKED):
        return (
            f"{path} is locked by another program (another ClaudeMeter, or a tool that has it "
            f"open) for more than {_busy(busy):g} s; try again once it lets go"
        )
    if primary == _READONLY:
        return f"{path} is read-only: make it and its folder writable for you, {fix}"
    if primary == _FULL:
        return f"the disk holding {path} is full: free some space"
    if primary == _CANTOPEN:
        why = _os_reason(path)
        return f"{path} cannot be opened ({why}): make it readable and writable for you, {fix}"
    return f"{path}: {exc}"


def _busy(busy: float | None) -> float:
    return BUSY_TIMEOUT_SECONDS if busy is None else busy


def _os_reason(path: Path) -> str:
    """The system's word for why ``path`` cannot be opened (SQLite's code does not say)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return "its folder is not writable"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    os.close(fd)
    return "its folder is not writable"


class _CorruptFile(sqlite3.DatabaseError):
    """``quick_check`` found damage; carries SQLITE_CORRUPT so it is handled like one."""

    sqlite_errorcode = 11


def is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _CORRUPT_CODES


def connect(path: Path, *, quick_check: bool, busy: float | None = None) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=_busy(busy), isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # durable across app crashes; WAL-safe
        if quick_check:
            result = [row[0] for row in db.execute("PRAGMA quick_check")]
            if result != ["ok"]:
                raise _CorruptFile("; ".join(str(r) for r in result[:3]))
        migrate(db, MIGRATIONS)
    except BaseException:
        db.close()
        raise
    return db


def connect_read_only(path: Path) -> sqlite3.Connection | None:
    """``path`` opened for reading only (SQLite's ``mode=ro``), so a history in a read-only
    folder or file (a snapshot, a backup) can be looked at; None when the writable way must
    open it instead: no file yet, an older schema to migrate, or a damaged file (which that
    way moves aside when it can). A read-only folder where SQLite cannot make the WAL's
    shared-memory file is read as an unchanging file (``immutable=1``): nobody writes there;
    with readings still in its write-ahead log, from a copy (:func:`_with_its_log`).
    :class:`HistoryUnavailable`, in words, when it cannot be read at all."""
    if not path.exists():
        return None
    where = "file:" + urllib.parse.quote(str(path), safe="/")
    try:
        try:
            db = _probed(f"{where}?mode=ro")
        except sqlite3.OperationalError as exc:
            if not _needs_immutable(exc):
                raise
            db = _with_its_log(path) or _probed(f"{where}?mode=ro&immutable=1")
    except sqlite3.DatabaseError as exc:
        if is_corrupt(exc):
            return None
        raise HistoryUnavailable(in_words(exc, path)) from exc
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version == len(MIGRATIONS):
        return db
    db.close()
    if version > len(MIGRATIONS):
        raise HistoryUnavailable(
            f"the history database was written by a newer ClaudeMeter (schema {version})"
        )
    return None


def _with_its_log(path: Path) -> sqlite3.Connection | None:
    """A copy in memory of ``path`` with the readings still in its write-ahead log, when there
    are some: read as unchanging, SQLite would not see them (a snapshot taken while the tray
    ran has its newest readings there). The file and its log are copied to a private folder
    SQLite can write beside, read from there, and the copy removed. None: no log to read."""
    log_file = path.with_name(path.name + "-wal")
    try:
        if log_file.stat().st_size == 0:
            return None
    except OSError:  # none (or none that can be read): the file alone
        return None
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        with tempfile.TemporaryDirectory(prefix="claude-meter-history-") as folder:
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            shutil.copyfile(log_file, copy.with_name(copy.name + "-wal"))
            source = sqlite3.connect(copy)
            try:
                source.backup(memory)
            finally:
                source.close()
    except OSError as exc:
        memory.close()
        raise HistoryUnavailable(
            f"{path} cannot be read (copying it to read its latest readings: "
            f"{exc.strerror or type(exc).__name__})"
        ) from exc
    except BaseException:
        memory.close()
        raise
    return memory


def _probed(uri: str) -> sqlite3.Connection:
    """A read-only connection that has read the schema (SQLite opens lazily)."""
    db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def _needs_immutable(exc: sqlite3.Error) -> bool:
    """SQLite could not create (or open) the WAL's files beside a read-only database."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in (_READONLY, _CANTOPEN)


def migrate(db: sqlite3.Connection, migrations: Sequence[Sequence[str]]) -> None:
    """Bring the schema to ``len(migrations)``, all in one transaction (or none of it)."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version == len(migrations):
        return
    with write(db):
        (version,) = db.execute("PRAGMA user_version").fetchone()  # another process may have
        if version > len(migrations):
            raise HistoryUnavailable(
                f"the history database was written by a newer ClaudeMeter (schema {version})"
            )
        for statements in migrations[version:]:
            for statement in statements:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {len(migrations):d}")
