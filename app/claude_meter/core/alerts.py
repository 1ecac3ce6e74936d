"""When to notify: threshold crossings and a session that expired, as pure rules.

A crossing notifies once per organization, window, threshold and reset period. It is
re-armed when the window resets (a new ``resets_at`` period) or falls back below the
threshold by more than :data:`HYSTERESIS` points, so a value wobbling around 80 % does not
notify on every poll. When one poll jumps over several thresholds, only the highest one
notifies. The caller persists :class:`AlertMemory` so a restart does not repeat a notification.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from claude_meter.core.display import format_percent, format_reset
from claude_meter.core.models import FetchError, Snapshot, UsageWindow

DEFAULT_THRESHOLDS: Final = (80.0,)
HYSTERESIS: Final = 2.0


@dataclass(frozen=True)
class Crossing:
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


def _key(org_uuid: str | None, window_key: str, threshold: float) -> str:
    return f"{org_uuid or '-'}|{window_key}|{threshold:g}"


@dataclass(frozen=True)
class AlertMemory:
    """Which (org, window, threshold) already notified, and in which reset period."""

    notified: dict[str, str]  # key -> period

    @classmethod
    def empty(cls) -> AlertMemory:
        return cls({})


def crossings(
    snapshots: Iterable[Snapshot],
    memory: AlertMemory,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> tuple[list[Crossing], AlertMemory]:
    """The notifications due for these snapshots, and the updated memory.

    Stale snapshots and snapshots with an error neither notify nor re-arm: their numbers
    are old.
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
                key = _key(snapshot.org_uuid, window.key, threshold)
                seen = notified.get(key)
                if seen is not None and (seen != period or window.percent < threshold - HYSTERESIS):
                    del notified[key]  # reset, or fell back below: re-armed
                    seen = None
                if window.percent >= threshold and seen is None:
                    notified[key] = period
                    newly.append(threshold)
            if newly:
                due.append(Crossing(snapshot.org_uuid, snapshot.org_name, window, max(newly)))
    return due, AlertMemory(notified)


def session_expired_alert(previous: FetchError | None, current: FetchError | None) -> bool:
    """One notification when the session expires, not one per poll."""
    expired = {"session_expired"}
    was = previous is not None and previous.kind in expired
    return current is not None and current.kind in expired and not was


def crossing_text(crossing: Crossing, now: datetime) -> tuple[str, str]:
    """Title and body of a crossing notification."""
    window = crossing.window
    title = f"{window.label} at {format_percent(window.percent)}"
    where = f" ({crossing.org_name})" if crossing.org_name else ""
    reset = format_reset(window.resets_at, now)
    body = f"Claude usage{where} passed {crossing.threshold:g} %; {reset}."
    return title, body
