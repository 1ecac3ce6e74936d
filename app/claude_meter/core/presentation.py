"""Every text the person reads about a window, and what they chose to see: one place.

The tooltip, the icon's figure, the popover's rows, the notifications and the command line
all build their words here, so "used" or "remaining" (``Settings.percent_shown``) holds
everywhere. Pure functions of the meter's state, the clock and :class:`Choice`, tested as
tables in ``tests/core/test_presentation.py``.

Hidden windows are left out before anything is computed (a hidden window never becomes the
icon's "worst"), and "remaining" turns the figure into ``100 - percent`` while the colour
keeps following the *used* percent: red still means "nearly out".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.bidi import isolated, leading
from claude_meter.core.display import (
    format_percent,
    format_reset,
    local_time,
    percent_label,
    remaining,
    route_label,
)
from claude_meter.core.meter import Indicator, MeterState, indicator

if TYPE_CHECKING:
    from claude_meter.core.alerts import Crossing
    from claude_meter.core.models import FetchError, FetchResult, UsageWindow
    from claude_meter.core.settings import Settings

__all__ = [
    "Choice",
    "crossing_text",
    "icon_indicator",
    "percent_label",
    "remaining",
    "spoken_percent",
    "tooltip",
    "window_line",
    "without_windows",
]

APP_NAME = "ClaudeMeter"


@dataclass(frozen=True)
class Choice:
    """What the person chose to see: windows hidden from the icon and from the popover, and
    whether figures are the percent used or the percent remaining."""

    icon_hidden: frozenset[str] = frozenset()
    popover_hidden: frozenset[str] = frozenset()
    show_remaining: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Choice:
        return cls(
            frozenset(settings.icon_hidden),
            frozenset(settings.popover_hidden),
            settings.percent_shown == "remaining",
        )


def without_windows(state: MeterState, hidden: Collection[str]) -> MeterState:
    """The state with the windows whose key is in ``hidden`` removed from every snapshot."""
    if not hidden:
        return state
    snapshots = tuple(
        msgspec.structs.replace(s, windows=tuple(w for w in s.windows if w.key not in hidden))
        for s in state.snapshots
    )
    return replace(state, snapshots=snapshots)


def icon_indicator(
    state: MeterState, now: datetime, interval: timedelta, choice: Choice
) -> Indicator:
    """The icon's figure, built once: hidden windows left out, used or remaining as chosen."""
    visible = without_windows(state, choice.icon_hidden)
    return indicator(visible, now, interval, show_remaining=choice.show_remaining)


def spoken_percent(percent: float | None, *, show_remaining: bool) -> str:
    """A window's figure for a screen reader: ``40 percent`` used, or ``60 percent left``."""
    if percent is None:
        return "unknown percent"
    if not show_remaining:
        return f"{int(percent)} percent"
    return f"{int(remaining(percent) or 0.0)} percent left"


def window_line(
    window: UsageWindow, *, show_remaining: bool, prefix: str = "", tz: tzinfo | None = None
) -> str:
    """One window in a line: ``Session (5h): 85% · resets Tue 13:00`` (or ``15% left``)."""
    when = f"resets {local_time(window.resets_at, tz)}" if window.resets_at else "not started"
    figure = percent_label(window.percent, show_remaining=show_remaining)
    return f"{prefix}{window.label}: {figure} · {when}"


def tooltip(state: MeterState, choice: Choice, *, tz: tzinfo | None = None) -> str:
    """The tray icon's tooltip: the icon's windows, one a line, as the icon shows them."""
    lines = [APP_NAME]
    shown = without_windows(state, choice.icon_hidden)
    several = len(state.snapshots) > 1
    for snapshot in shown.snapshots:
        prefix = f"{leading(snapshot.org_name)}: " if several and snapshot.org_name else ""
        lines.extend(
            window_line(w, show_remaining=choice.show_remaining, prefix=prefix, tz=tz)
            for w in snapshot.windows
        )
    if len(lines) == 1:
        lines.append("Fetching…" if state.error is None else state.error.message)
    return "\n".join(lines)


def crossing_text(
    crossing: Crossing,
    now: datetime,
    *,
    show_remaining: bool = False,
    tz: tzinfo | None = None,
    account_name: str | None = None,
) -> tuple[str, str]:
    """Title and body of a threshold notification: ``Session (5h) at 85%`` used, or
    ``Session (5h): 15% left``; the threshold crossed is always a percent used. With several
    accounts metered, the body names the account (``account_name``) before the org."""
    window = crossing.window
    if show_remaining:
        title = f"{window.label}: {percent_label(window.percent, show_remaining=True)}"
    else:
        title = f"{window.label} at {format_percent(window.percent)}"
    named = [isolated(n) for n in (account_name, crossing.org_name) if n]  # core/bidi.py
    where = f" ({' · '.join(named)})" if named else ""
    reset = format_reset(window.resets_at, now, tz)
    body = f"Claude usage{where} passed {crossing.threshold:g}%; {reset}."
    return title, body


def banner_text(state: MeterState, now: datetime, interval: timedelta) -> str | None:
    """The one message at the top of the popover, or None when all is well."""
    errors: list[FetchError] = [state.error] if state.error else []
    errors += [s.error for s in state.snapshots if s.error and s.error not in errors]
    if not errors:
        if state.is_stale(now, interval):
            return "These numbers are out of date: ClaudeMeter has not reached claude.ai lately."
        return None
    text = errors[0].message
    if state.has_numbers:
        text += " Showing the last numbers read."
    return text


def routes_text(state: MeterState) -> str:
    """``via claude.ai``: the route(s) the numbers shown came from; empty before any."""
    return " · ".join(dict.fromkeys(route_label(s.source) for s in state.snapshots))


def connection_text(result: FetchResult) -> tuple[bool, str]:
    """What "Test connection" says: the account reached, or the error in the person's words."""
    if result.error is not None:
        return False, result.error.message
    good = [s for s in result.snapshots if s.error is None]
    if not good:
        errors = [s.error.message for s in result.snapshots if s.error]
        return False, errors[0] if errors else "claude.ai answered without any organization."
    names = ", ".join(
        " · ".join(p for p in (s.org_name, s.account_email) if p) or "your account" for s in good
    )
    return True, f"Connected: {names}."
