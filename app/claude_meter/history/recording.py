"""What one reading writes into the history: the change rule, the events, the retention.

:class:`~claude_meter.history.store.HistoryStore` runs these inside its transactions (see its
docstring for why the file is shaped this way): a window's reading is stored when its percent
or ``resets_at`` changed since the last stored one of that account's, organization's and
key's window, or when that one is older than :data:`KEEPALIVE`; a new period is a reset
event, reaching 100 % a limit-hit event. A reading not newer than the stored one is not
stored, which makes recording idempotent (the status line's journal may reach the history
twice).
"""

from __future__ import annotations

import math
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from claude_meter.core.forecast import WALL, Sample, starts_new_period
from claude_meter.core.server_time import from_epoch

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot

RETENTION: Final = timedelta(days=90)
KEEPALIVE: Final = timedelta(minutes=15)
#: ``resets_at`` moving by no more than this is server jitter, not a change worth a row.
RESETS_AT_JITTER: Final = 60


def record_window(
    db: sqlite3.Connection,
    whose: tuple[str, str],
    key: str,
    at: int,
    centi: int,
    resets_at: int | None,
) -> bool:
    account, org = whose
    row = db.execute(
        "SELECT id, last_at, last_percent_centi, last_resets_at FROM window "
        "WHERE account = ? AND org_uuid = ? AND key = ?",
        (account, org, key),
    ).fetchone()
    if row is None:
        cursor = db.execute(
            "INSERT INTO window (account, org_uuid, key) VALUES (?, ?, ?)", (account, org, key)
        )
        window_id, last_at, last_centi, last_resets_at = cursor.lastrowid, None, None, None
    else:
        window_id, last_at, last_centi, last_resets_at = row
    kinds: list[str] = []
    if last_at is None or last_centi is None:
        if centi >= WALL * 100:
            kinds.append("limit_hit")
    else:
        if at < last_at:
            return False  # older than what another process already stored
        moved = (resets_at is None) != (last_resets_at is None) or (
            resets_at is not None
            and last_resets_at is not None
            and abs(resets_at - last_resets_at) > RESETS_AT_JITTER
        )
        if centi == last_centi and not moved and at - last_at < KEEPALIVE.total_seconds():
            return False
        before = Sample(time_of(last_at), last_centi / 100, time_or_none(last_resets_at))
        now = Sample(time_of(at), centi / 100, time_or_none(resets_at))
        reset = starts_new_period(before, now)
        if reset:
            kinds.append("reset")
        if centi >= WALL * 100 and (reset or last_centi < WALL * 100):
            kinds.append("limit_hit")
    db.execute(
        "INSERT OR REPLACE INTO sample (at, window_id, percent_centi, resets_at) "
        "VALUES (?, ?, ?, ?)",
        (at, window_id, centi, resets_at),
    )
    db.executemany(
        "INSERT OR IGNORE INTO event (at, window_id, kind, percent_centi, resets_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(at, window_id, kind, centi, resets_at) for kind in kinds],
    )
    db.execute(
        "UPDATE window SET last_at = ?, last_percent_centi = ?, last_resets_at = ? WHERE id = ?",
        (at, centi, resets_at, window_id),
    )
    return True


def window_readings(snapshot: Snapshot) -> list[tuple[str, int, int | None]]:
    """Its windows to store: none from an error or a stale snapshot (no fresh numbers), none
    whose percent is unknown."""
    if snapshot.error is not None or snapshot.stale:
        return []
    return [
        (w.key, round(w.percent * 100), epoch_or_none(w.resets_at))
        for w in snapshot.windows
        if w.percent is not None and math.isfinite(w.percent)
    ]


def prune_before(db: sqlite3.Connection, now: datetime) -> int:
    cutoff = epoch(now - RETENTION)
    removed = db.execute("DELETE FROM sample WHERE at < ?", (cutoff,)).rowcount
    removed += db.execute("DELETE FROM event WHERE at < ?", (cutoff,)).rowcount
    return max(0, removed)


# -- time ------------------------------------------------------------------------------


def epoch(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def epoch_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else epoch(moment)


def time_of(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def time_or_none(seconds: int | None) -> datetime | None:
    """A stored ``resets_at``: guarded like any outside time (a file may hold anything)."""
    return from_epoch(seconds)
