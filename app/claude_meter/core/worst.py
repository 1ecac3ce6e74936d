"""The worst window: the one closest to its wall, in one report and across organizations.

The same rule as the extension's badge (tests/vectors/ checks both copies).
"""

from __future__ import annotations

from collections.abc import Iterable

from claude_meter.core.models import Snapshot, UsageWindow


def worst_window(windows: Iterable[UsageWindow]) -> UsageWindow | None:
    """The window closest to its wall: the highest known percent.

    Ties go to the earlier window in display order (the session before the week);
    unknown percents never win; with no known percent there is no worst window.
    """
    best: UsageWindow | None = None
    for window in windows:
        if window.percent is None:
            continue
        if best is None or best.percent is None or window.percent > best.percent:
            best = window
    return best


def worst_of(snapshots: Iterable[Snapshot]) -> tuple[Snapshot, UsageWindow] | None:
    """The worst window across organizations; ties go to the earlier organization."""
    result: tuple[Snapshot, UsageWindow] | None = None
    for snapshot in snapshots:
        window = worst_window(snapshot.windows)
        if window is None or window.percent is None:
            continue
        if result is None or (result[1].percent or 0) < window.percent:
            result = (snapshot, window)
    return result
