"""What the History window and ``history --walls`` read from the store, shaped in SQL.

90 days of one reading a minute for four windows is about 500,000 rows; none of these reads
hands Python more than a few thousand of them:

- :func:`wall_samples` fetches only the recorded limit hits and the reading that ends each.
- :func:`chart_columns` folds the readings into one row per pixel column (lowest, highest,
  first and last time), so a 90-day chart is drawn from at most as many rows as it is wide.
- :func:`hourly_peaks` gives the highest reading per hour; the heatmap turns hours into local
  days in Python, which keeps daylight-saving changes right.

A window is one account's (``account``: a named account's id, None for the default one), one
organization's and one key's (:data:`WindowId`): two accounts in one organization never mix.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.forecast import RESET_MOVE, WALL, Sample
from claude_meter.core.server_time import from_epoch
from claude_meter.history.store import (
    EVERY,
    AccountFilter,
    account_filter,
    stored_account,
)
from claude_meter.history.walls import Wall, walls_of

if TYPE_CHECKING:
    from claude_meter.history.store import HistoryStore

#: One window of the history: (account, organization uuid, window key).
WindowId = tuple[str | None, str, str]

_WALL_CENTI = round(WALL * 100)
_RESET_MOVE_SECONDS = int(RESET_MOVE.total_seconds())


class Column(msgspec.Struct, frozen=True):
    """The readings of one window that fall in one pixel column of a chart."""

    index: int
    first_at: datetime
    last_at: datetime
    low: float
    high: float


def _epoch(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _time(seconds: object) -> datetime:
    return datetime.fromtimestamp(int(str(seconds)), UTC)


def windows(store: HistoryStore) -> list[WindowId]:
    """Every (account, organization, window key) with readings, in the order first stored."""
    rows = store.query(
        "windows",
        "SELECT w.account, w.org_uuid, w.key FROM window w "
        "WHERE EXISTS (SELECT 1 FROM sample s WHERE s.window_id = w.id) ORDER BY w.id",
    )
    return [(str(who) or None, str(org), str(key)) for who, org, key in rows]


def account_ids(store: HistoryStore) -> tuple[str, ...]:
    """The named accounts' ids the history holds readings of (removed ones included): a new
    account is never given one (``core/account_changes.avoided_ids``)."""
    return tuple(dict.fromkeys(who for who, _, _ in windows(store) if who))


def wall_samples(
    store: HistoryStore, org: str, key: str, since: datetime, *, account: str | None = None
) -> list[Sample]:
    """The readings :func:`~claude_meter.history.walls.walls_of` needs, oldest first: each
    limit hit the store recorded from ``since`` (it records them by the same rule) and the
    first later reading that ends it (below 100 %, or a reset announced more than
    :data:`~claude_meter.core.forecast.RESET_MOVE` later). A few rows per wall, however many
    readings the span holds."""
    rows = store.query(
        "wall readings",
        "WITH hits AS (SELECT e.window_id, e.at, e.percent_centi, e.resets_at, "
        "  (SELECT s.at FROM sample s WHERE s.window_id = e.window_id AND s.at > e.at "
        "   AND (s.percent_centi < ? OR s.resets_at > e.resets_at + ?) "
        "   ORDER BY s.at LIMIT 1) AS end_at "
        "  FROM event e WHERE e.kind = 'limit_hit' AND e.at >= ? "
        "  AND e.window_id = (SELECT id FROM window WHERE account = ? AND org_uuid = ? "
        "  AND key = ?)) "
        "SELECT h.at, h.percent_centi, h.resets_at, s.at, s.percent_centi, s.resets_at "
        "FROM hits h LEFT JOIN sample s ON s.at = h.end_at AND s.window_id = h.window_id "
        "ORDER BY h.at",
        (_WALL_CENTI, _RESET_MOVE_SECONDS, _epoch(since), stored_account(account), org, key),
    )
    found: dict[datetime, Sample] = {}
    for hit_at, hit_centi, hit_resets, end_at, end_centi, end_resets in rows:
        hit = _sample(hit_at, hit_centi, hit_resets)
        found[hit.at] = hit
        if end_at is not None:
            end = _sample(end_at, end_centi, end_resets)
            found.setdefault(end.at, end)
    return sorted(found.values(), key=lambda s: s.at)


def _sample(at: object, centi: object, resets: object) -> Sample:
    return Sample(_time(at), int(str(centi)) / 100, from_epoch(_int_or_none(resets)))


def walls_since(
    store: HistoryStore,
    since: datetime,
    now: datetime,
    *,
    org: str | None = None,
    window: str | None = None,
    account: AccountFilter = EVERY,
) -> list[Wall]:
    """Every wall that began at or after ``since``, oldest first."""
    found: list[Wall] = []
    for who, org_uuid, key in windows(store):
        if (
            (org is not None and org_uuid != org)
            or (window is not None and key != window)
            or (account is not EVERY and who != account)
        ):
            continue
        samples = wall_samples(store, org_uuid, key, since, account=who)
        walls = walls_of(samples, now, org_uuid=org_uuid, window_key=key, account=who)
        found.extend(w for w in walls if w.hit_at >= since)
    return sorted(found, key=lambda w: (w.hit_at, w.account or "", w.org_uuid, w.window_key))


def latest_reading(
    store: HistoryStore, org: str, key: str, *, account: str | None = None
) -> Sample | None:
    """The window's newest reading (the current period's reset comes with it)."""
    rows = store.query(
        "latest reading",
        "SELECT s.at, s.percent_centi, s.resets_at FROM sample s "
        "WHERE s.window_id = (SELECT id FROM window "
        "WHERE account = ? AND org_uuid = ? AND key = ?) "
        "ORDER BY s.at DESC LIMIT 1",
        (stored_account(account), org, key),
    )
    return _sample(*rows[0]) if rows else None


def chart_columns(
    store: HistoryStore,
    org: str,
    key: str,
    start: datetime,
    end: datetime,
    columns: int,
    *,
    account: str | None = None,
) -> list[Column]:
    """The readings from ``start`` to ``end`` folded into ``columns`` equal slices of time."""
    first, last = _epoch(start), _epoch(end)
    if last <= first or columns <= 0:
        return []
    rows = store.query(
        "chart",
        "SELECT (s.at - ?) * ? / ? AS col, min(s.at), max(s.at), "
        "min(s.percent_centi), max(s.percent_centi) FROM sample s "
        "WHERE s.window_id = (SELECT id FROM window "
        "WHERE account = ? AND org_uuid = ? AND key = ?) "
        "AND s.at >= ? AND s.at <= ? GROUP BY col ORDER BY col",
        (first, columns, last - first + 1, stored_account(account), org, key, first, last),
    )
    return [
        Column(
            int(str(col)),
            _time(a),
            _time(b),
            int(str(low)) / 100,
            int(str(high)) / 100,
        )
        for col, a, b, low, high in rows
    ]


def resets_between(
    store: HistoryStore,
    org: str,
    key: str,
    start: datetime,
    end: datetime,
    *,
    account: str | None = None,
) -> list[datetime]:
    """When the window's periods began (its reset events) between ``start`` and ``end``."""
    rows = store.query(
        "resets",
        "SELECT e.at FROM event e "
        "WHERE e.window_id = (SELECT id FROM window "
        "WHERE account = ? AND org_uuid = ? AND key = ?) "
        "AND e.kind = 'reset' AND e.at >= ? AND e.at <= ? ORDER BY e.at",
        (stored_account(account), org, key, _epoch(start), _epoch(end)),
    )
    return [_time(at) for (at,) in rows]


def hourly_peaks(
    store: HistoryStore,
    keys: tuple[str, ...],
    since: datetime,
    *,
    org: str | None = None,
    account: AccountFilter = EVERY,
) -> list[tuple[datetime, float]]:
    """The highest reading of any window in ``keys`` per UTC hour from ``since``."""
    if not keys:
        return []
    who = account_filter(account)
    rows = store.query(
        "hourly peaks",
        "SELECT s.at / 3600 AS hour, max(s.percent_centi) FROM sample s "
        "WHERE s.window_id IN (SELECT id FROM window WHERE key IN "
        "(SELECT value FROM json_each(?)) AND (? IS NULL OR account = ?) "
        "AND (? IS NULL OR org_uuid = ?)) AND s.at >= ? GROUP BY hour ORDER BY hour",
        (json.dumps(keys), who, who, org, org, _epoch(since)),
    )
    return [(_time(int(str(hour)) * 3600), int(str(peak)) / 100) for hour, peak in rows]


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(str(value))
