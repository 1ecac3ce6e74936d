"""What the person chose to see, applied to the meter's state: pure, so tested as tables.

Hidden windows are left out before anything is computed (a hidden window never becomes the
icon's "worst"), and "remaining" turns the figure into ``100 - percent`` while the colour
keeps following the *used* percent: red still means "nearly out".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from claude_meter.core.display import format_percent
from claude_meter.core.meter import Indicator, MeterState, icon_text


def without_windows(state: MeterState, hidden: Collection[str]) -> MeterState:
    """The state with the windows whose key is in ``hidden`` removed from every snapshot."""
    if not hidden:
        return state
    snapshots = tuple(
        s.model_copy(update={"windows": tuple(w for w in s.windows if w.key not in hidden)})
        for s in state.snapshots
    )
    return replace(state, snapshots=snapshots)


def remaining(percent: float | None) -> float | None:
    """What is left of a window, never below 0 (a window can pass 100 % at the wall)."""
    if percent is None:
        return None
    return max(0.0, 100.0 - percent)


def shown_indicator(shown: Indicator, *, show_remaining: bool) -> Indicator:
    """The icon's figure as used or remaining percent; the grade stays that of the used one."""
    if not show_remaining or shown.percent is None or shown.kind not in ("number", "stale"):
        return shown
    return replace(shown, text=icon_text(remaining(shown.percent)))


def percent_label(percent: float | None, *, show_remaining: bool) -> str:
    """A row's figure: ``37%`` used, or ``63% left``."""
    if not show_remaining:
        return format_percent(percent)
    left = remaining(percent)
    return format_percent(left) if left is None else f"{format_percent(left)} left"
