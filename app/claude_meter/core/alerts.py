"""When to notify: threshold crossings and a session that expired, as pure rules.

A crossing notifies once per organization, window, threshold and reset period. It is
re-armed when the window resets (a new ``resets_at`` period) or falls back below the
threshold by more than :data:`HYSTERESIS` points, so a value wobbling around 80 % does not
notify on every poll. When one poll jumps over several thresholds, only the highest one
notifies. The caller persists :class:`AlertMemory` so a restart does not repeat a notification.

A period is its ``resets_at``; two readings whose ``resets_at`` lie within
:data:`PERIOD_TOLERANCE` are the same period (the server's value jitters, across a minute
boundary too: ``12:59:59.94`` then ``13:00:00.17``). Nothing here reads the clock, so a clock
jump or a sleep cannot re-arm a crossing; failed, stale and expired polls neither notify nor
re-arm.

An expired session notifies once per source (:func:`session_alert`) and is re-armed only by
a poll of that source that reads numbers again; it is kept in the same memory, so failed
polls in between and restarts do not repeat it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

import msgspec

from claude_meter.core.forecast import RESET_MOVE
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow

DEFAULT_THRESHOLDS: Final = (80.0,)
HYSTERESIS: Final = 2.0
#: ``resets_at`` values this close are one period: the history's and the forecast's rule.
PERIOD_TOLERANCE: Final = RESET_MOVE
_SESSION: Final = "session_expired|"  # memory key prefix; window keys have three parts


class Crossing(msgspec.Struct, frozen=True):
    """One notification to show: a window that crossed a threshold."""

    org_uuid: str | None
    org_name: str | None
    window: UsageWindow
    threshold: float


def period_of(window: UsageWindow) -> str:
    """The reset period a window is in, stable across polls (resets_at to the minute)."""
    if window.resets_at is None:
        return "-"
    return window.resets_at.replace(second=0, microsecond=0).isoformat()


def same_period(seen: str, period: str) -> bool:
    """Whether two :func:`period_of` values are one reset period (within the tolerance)."""
    if seen == period:
        return True
    try:
        first, second = datetime.fromisoformat(seen), datetime.fromisoformat(period)
        return abs(first - second) <= PERIOD_TOLERANCE
    except (ValueError, TypeError):  # "-" (no reset known), or a hand-edited state file
        return False


def _key(org_uuid: str | None, window_key: str, threshold: float) -> str:
    return f"{org_uuid or '-'}|{window_key}|{threshold:g}"


class AlertMemory(msgspec.Struct, frozen=True):
    """Which (org, window, threshold) already notified, and in which reset period."""

    notified: dict[str, str]  # key -> period

    @classmethod
    def empty(cls) -> AlertMemory:
        return cls({})


def crossings(
    snapshots: Iterable[Snapshot],
    memory: AlertMemory,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    *,
    prefix: str = "",
) -> tuple[list[Crossing], AlertMemory]:
    """The notifications due for these snapshots, and the updated memory.

    Stale snapshots and snapshots with an error neither notify nor re-arm: their numbers
    are old. ``prefix`` keeps one account's memory apart from another's (two accounts may
    be members of one organization); see ``core/account_view.py memory_prefix``.
    """
    notified = dict(memory.notified)
    due: list[Crossing] = []
    ordered = sorted(set(thresholds))
    for snapshot in snapshots:
        if snapshot.stale or snapshot.error is not None:
            continue
        for window in snapshot.windows:
            if window.percent is None:
                continue
            period = period_of(window)
            newly: list[float] = []
            for threshold in ordered:
                key = prefix + _key(snapshot.org_uuid, window.key, threshold)
                seen = notified.get(key)
                if seen is not None and (
                    not same_period(seen, period) or window.percent < threshold - HYSTERESIS
                ):
                    del notified[key]  # reset, or fell back below: re-armed
                    seen = None
                if window.percent >= threshold and seen is None:
                    notified[key] = period
                    newly.append(threshold)
            if newly:
                due.append(Crossing(snapshot.org_uuid, snapshot.org_name, window, max(newly)))
    return due, AlertMemory(notified)


def session_alert(
    memory: AlertMemory, result: FetchResult, *, prefix: str = ""
) -> tuple[FetchError | None, AlertMemory]:
    """The expired-session error to notify about (None: nothing), and the updated memory.

    Once per source: a poll that says the session expired notifies only when this source has
    not notified already. Only a poll of the same source that reads numbers again (no error
    for the whole poll, at least one organization read by that source itself, none expired)
    re-arms it; failed polls in between (offline, a server error, a rate limit) change
    nothing, and neither do the browser extension's numbers merged into the app's result.
    ``prefix``: one account's memory apart from another's, as for :func:`crossings`.
    """
    key = prefix + _SESSION + result.source
    errors = [result.error] if result.error is not None else []
    errors += [s.error for s in result.snapshots if s.error is not None]
    expired = next((e for e in errors if e.kind == "session_expired"), None)
    if expired is not None:
        if key in memory.notified:
            return None, memory
        return expired, AlertMemory({**memory.notified, key: "notified"})
    read = result.error is None and any(
        s.error is None and s.source == result.source for s in result.snapshots
    )
    if read and key in memory.notified:
        return None, AlertMemory({k: v for k, v in memory.notified.items() if k != key})
    return None, memory


def session_expired_alert(previous: FetchError | None, current: FetchError | None) -> bool:
    """Whether the error changed into an expired session (no memory; see :func:`session_alert`)."""
    expired = {"session_expired"}
    was = previous is not None and previous.kind in expired
    return current is not None and current.kind in expired and not was
