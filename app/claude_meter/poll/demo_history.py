"""A made-up past for the demo's throwaway history (and the History window's benchmark).

Each window of the first demo snapshot gets periods back to back, aligned to its announced
reset (each of the demo's accounts its own, its paces drawn apart from the others'). Every
past period climbs at its own pace, drawn from a seeded generator so every run
draws the same past: most periods end below 100 %, about one in four runs into the wall and
stays there until its reset, which is what the History window's walls, resets and heatmap
need to show. The current period climbs steadily from 0 % to the window's reading now, as the
forecast expects.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import msgspec

from claude_meter.core.forecast import window_hours

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot, UsageWindow

SEED: Final = 20
#: Paces as a share of "100 % exactly at the reset"; above 1 the period hits the wall.
_PACES: Final = (0.25, 0.4, 0.55, 0.7, 0.8, 0.9, 1.15, 1.6)


def _reading(
    window: UsageWindow,
    length: timedelta,
    at: datetime,
    paces: dict[int, float],
    now: datetime,
    account: str | None = None,
) -> UsageWindow:
    """The window as it read at ``at``: its period's percent and its period's reset."""
    resets_now = window.resets_at or now
    # 0: the current period; a reading exactly at a reset belongs to the period it starts
    back = (resets_now - at - timedelta(microseconds=1)) // length
    resets_at = resets_now - back * length
    elapsed = 1 - (resets_at - at) / length
    if back == 0:
        start = resets_at - length
        share = (at - start) / (now - start) if now > start else 1.0
        percent = (window.percent or 0.0) * min(1.0, share)
    else:
        if back not in paces:
            # a made-up past, not a secret; each of the demo's accounts has its own
            whose = f"{account}:" if account is not None else ""
            chooser = random.Random(f"{SEED}:{whose}{window.key}:{back}")
            paces[back] = chooser.choice(_PACES)
        percent = min(100.0, 100 * paces[back] * elapsed)
    return msgspec.structs.replace(window, percent=round(percent, 2), resets_at=resets_at)


def past_snapshots(
    snapshot: Snapshot,
    now: datetime,
    *,
    days: float = 30,
    step: timedelta,
    until: datetime | None = None,
) -> Iterator[Snapshot]:
    """Readings of ``snapshot``'s windows every ``step`` from ``days`` before ``now`` to
    ``until`` (default: ``now``), oldest first, as snapshots the store records like any other."""
    windows = [
        (w, timedelta(hours=hours))
        for w in snapshot.windows
        if w.percent is not None
        and w.resets_at is not None
        and (hours := window_hours(w.key)) is not None
    ]
    if not windows:
        return
    paces: dict[str, dict[int, float]] = {w.key: {} for w, _ in windows}
    at, end = now - timedelta(days=days), min(until or now, now)
    while at < end:
        past = tuple(
            _reading(w, length, at, paces[w.key], now, snapshot.account) for w, length in windows
        )
        yield msgspec.structs.replace(snapshot, fetched_at=at, windows=past)
        at += step
