"""The two output forms of ``status``: text for people, JSON for programs.

The JSON form is a stable interface (documented in the README): keys are only ever added.
Percents are 0-100, times ISO-8601 UTC. It never carries a cookie or token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from claude_meter.core.display import (
    fallback_note,
    format_extra_usage,
    format_reset,
    format_spend,
    heading,
    text_bar,
)
from claude_meter.core.grades import SERVER_WARNING, row_grade
from claude_meter.core.models import (
    ExtraUsage,
    FetchError,
    FetchResult,
    Money,
    Snapshot,
    Spend,
    UsageWindow,
)
from claude_meter.core.worst import worst_of, worst_window

if TYPE_CHECKING:
    from claude_meter.core.forecast import Forecast

#: Forecasts by (organization uuid, window key); a missing entry renders as unknown.
Forecasts = Mapping[tuple[str | None, str], "Forecast"]

_LABEL_WIDTH = 28


def iso_utc(moment: datetime | None) -> str | None:
    """``2026-11-25T13:00:00Z``; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _error(error: FetchError | None) -> dict[str, object] | None:
    if error is None:
        return None
    return {"kind": error.kind, "message": error.message, "retry_at": iso_utc(error.retry_at)}


def _extra(extra: ExtraUsage | None) -> dict[str, object] | None:
    if extra is None:
        return None
    return {
        "is_enabled": extra.is_enabled,
        "used_credits": extra.used_credits,
        "monthly_limit": extra.monthly_limit,
        "currency": extra.currency,
        "decimal_places": extra.decimal_places,
        "percent": _percent(extra.percent),
    }


def _money(money: Money | None) -> dict[str, object] | None:
    if money is None:
        return None
    return {
        "amount_minor": money.amount_minor,
        "currency": money.currency,
        "exponent": money.exponent,
    }


def _spend(spend: Spend | None) -> dict[str, object] | None:
    if spend is None:
        return None
    return {
        "used": _money(spend.used),
        "limit": _money(spend.limit),
        "cap": _money(spend.cap),
        "balance": _money(spend.balance),
        "percent": _percent(spend.percent),
    }


def _window(window: UsageWindow, forecast: Forecast | None) -> dict[str, object]:
    """A window; ``severity`` and ``surface`` only when the server sent them (limits[])."""
    shown: dict[str, object] = {
        "key": window.key,
        "label": window.label,
        "percent": _percent(window.percent),
        "resets_at": iso_utc(window.resets_at),
        "forecast": _forecast(forecast),
    }
    if window.severity is not None:
        shown["severity"] = window.severity
    if window.surface is not None:
        shown["surface"] = window.surface
    return shown


def _forecast(forecast: Forecast | None) -> dict[str, object]:
    """All ``null`` unless there is enough data to forecast."""
    if forecast is None or not forecast.enough_data:
        return {"percent_at_reset": None, "wall_at": None, "fast_burn": None}
    return {
        "percent_at_reset": _percent(forecast.percent_at_reset),
        "wall_at": iso_utc(forecast.wall_at),
        "fast_burn": forecast.fast_burn,
    }


def _organization(snapshot: Snapshot, forecasts: Forecasts) -> dict[str, object]:
    worst = worst_window(snapshot.windows)
    return {
        "uuid": snapshot.org_uuid,
        "name": snapshot.org_name,
        "email": snapshot.account_email,
        "plan": snapshot.plan,
        "windows": [
            _window(w, forecasts.get((snapshot.org_uuid, w.key))) for w in snapshot.windows
        ],
        "worst": None if worst is None else {"key": worst.key, "percent": _percent(worst.percent)},
        "extra_usage": _extra(snapshot.extra_usage),
        "spend": _spend(snapshot.spend),
        "fallback_from": snapshot.fallback_from,
        "error": _error(snapshot.error),
    }


def to_json_object(result: FetchResult, forecasts: Forecasts | None = None) -> dict[str, object]:
    """The ``status --json`` object."""
    worst = worst_of(result.snapshots)
    return {
        "fetched_at": iso_utc(result.fetched_at),
        "source": result.source,
        "organizations": [_organization(s, forecasts or {}) for s in result.snapshots],
        "worst": None
        if worst is None
        else {"org": worst[0].org_uuid, "key": worst[1].key, "percent": _percent(worst[1].percent)},
        "error": _error(result.error),
    }


def render_json(result: FetchResult, forecasts: Forecasts | None = None) -> str:
    return json.dumps(to_json_object(result, forecasts), ensure_ascii=False)


def render_human(
    result: FetchResult,
    now: datetime,
    *,
    color: bool = False,
    forecasts: Forecasts | None = None,
    show_remaining: bool = False,
) -> str:
    """One block per organization, one line per window (and its forecast, when there is one).

    ``show_remaining`` (the settings' "remaining"): each figure is what is left, as in the
    tray (``core/presentation.py``); the bar and its colour still show the percent used.
    """
    from claude_meter.core.presentation import percent_label  # the text only, not the JSON

    lines: list[str] = []
    for snapshot in result.snapshots:
        if lines:
            lines.append("")
        lines.append(_heading(snapshot))
        if snapshot.fallback_from is not None:
            lines.append(f"  ({fallback_note(snapshot)})")
        if snapshot.error is not None:
            lines.append(f"  ! {snapshot.error.message}")
            continue
        if not snapshot.windows and snapshot.extra_usage is None and snapshot.spend is None:
            lines.append("  (no usage windows on this plan)")
        for window in snapshot.windows:
            figure = percent_label(window.percent, show_remaining=show_remaining)
            percent = figure.rjust(9 if show_remaining else 4)
            bar = text_bar(window.percent)
            if color:
                code = row_grade(window.percent, window.severity).ansi
                percent, bar = f"\x1b[{code}m{percent}\x1b[0m", f"\x1b[{code}m{bar}\x1b[0m"
            label = window.label.ljust(_LABEL_WIDTH)
            reset = format_reset(window.resets_at, now)
            flag = "  ! server warning" if window.severity == SERVER_WARNING else ""
            lines.append(f"  {label} {percent}  {bar}  {reset}{flag}")
            forecast = (forecasts or {}).get((snapshot.org_uuid, window.key))
            if forecast is not None and forecast.enough_data:
                mark = "  (fast burn)" if forecast.fast_burn else ""
                lines.append(f"  {'':{_LABEL_WIDTH}} {forecast.summary}{mark}")
        if snapshot.extra_usage is not None:
            label = "Extra usage".ljust(_LABEL_WIDTH)
            lines.append(f"  {label} {format_extra_usage(snapshot.extra_usage)}")
        if snapshot.spend is not None:
            lines.append(f"  {'Spend'.ljust(_LABEL_WIDTH)} {format_spend(snapshot.spend)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _heading(snapshot: Snapshot) -> str:
    name = snapshot.org_name or snapshot.org_uuid or "Claude"
    return heading(name, snapshot.account_email, snapshot.plan)
