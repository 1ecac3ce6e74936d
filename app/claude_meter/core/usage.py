"""Turn any ``/usage`` answer into a :class:`UsageReport` (the worst window: ``core/worst.py``).

The endpoint is private and changes without notice, so parsing is *total*: any JSON value
either yields a report or raises :class:`UnexpectedResponse`, never anything else.

The scale rule
--------------
Every capture from 2026 sends ``utilization`` as a percent (0-100, may exceed 100); older
reports sent 0-1 fractions. Deciding per *value* ("<= 1 means a fraction") turns a real 1 %
into 100 %, so the scale is decided once per *report*:

1. When ``limits[]`` carries integer percents for windows the report also names (``session``
   for ``five_hour``, ``weekly_all`` for ``seven_day``, ``weekly_scoped`` by model), each pair
   votes for the scale that explains it (``u ~ p`` or ``100u ~ p``); a clear majority decides.
2. Otherwise, any utilization above 1 means percents.
3. Otherwise, any utilization with a fractional part (0.42) means fractions.
4. Otherwise (every value is 0 or 1, or there are none) it is percents: a lone ``1.0`` is
   1 %, never 100 %.

Why it is a little over 400 lines: one job, reading one answer, and a total reader of a
private, shifting format has to look at each field's every odd shape (named windows,
``limits[]``, extra usage, spend, money) rather than trust a schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.models import (
    ExtraUsage,
    Money,
    Spend,
    UsageReport,
    UsageWindow,
)
from claude_meter.core.server_time import parse_iso

Scale = Literal["percent", "fraction"]

#: Known window keys in display order, with their labels. Aliases share a label.
KNOWN_WINDOWS: Final[dict[str, str]] = {
    "five_hour": "Session (5h)",
    "seven_day": "Weekly · all models",
    "seven_day_opus": "Weekly · Opus",
    "seven_day_sonnet": "Weekly · Sonnet",
    "seven_day_oauth_apps": "Weekly · Claude Code & apps",
    "seven_day_cowork": "Weekly · Cowork",
    "seven_day_routines": "Weekly · Routines",
    "seven_day_omelette": "Weekly · Claude Design",
    "seven_day_design": "Weekly · Claude Design",
    "seven_day_fable": "Weekly · Fable",
}

#: Top-level keys that are known *not* to be windows even when they look like one.
NON_WINDOW_KEYS: Final = frozenset({"extra_usage", "limits", "spend", "tangelo", "iguana_necktie"})

_LIMIT_KIND_KEYS: Final = {"session": "five_hour", "weekly_all": "seven_day"}
_AGREEMENT: Final = 1.0  # percent points within which two figures agree (limits[] are integers)


def _number(value: object) -> float | None:
    """A finite JSON number, else None (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float (10**400): not a figure we can use
        return None
    return number if math.isfinite(number) else None


def parse_timestamp(value: object) -> datetime | None:
    """An ISO-8601 time as aware UTC; None when absent, malformed or out of range.

    See :mod:`claude_meter.core.server_time` for the range and why beyond it means unknown.
    """
    return parse_iso(value)


def label_for_key(key: str) -> str:
    """A human label for a window key, readable even for keys we have never seen."""
    if key in KNOWN_WINDOWS:
        return KNOWN_WINDOWS[key]
    for prefix, period in (("seven_day_", "Weekly"), ("five_hour_", "Session (5h)")):
        if key.startswith(prefix) and len(key) > len(prefix):
            return f"{period} · {_humanize(key[len(prefix) :])}"
    if key == "seven_day":
        return "Weekly"
    return _humanize(key)


def _humanize(slug: str) -> str:
    words = [w for w in re.split(r"[_\-\s]+", slug) if w]
    if not words:
        return slug or "Unnamed window"
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass(frozen=True)
class _RawWindow:
    key: str
    label: str
    value: float | None  # utilization as sent, scale not yet applied
    resets_at: datetime | None
    from_limits: bool
    severity: str | None = None
    surface: str | None = None


def _is_window_shaped(value: object) -> bool:
    return isinstance(value, Mapping) and "utilization" in value and "resets_at" in value


def _named_windows(report: Mapping[str, object]) -> list[_RawWindow]:
    """Windows under top-level keys: the known ones, then unknown window-shaped keys."""
    known = [k for k in KNOWN_WINDOWS if k in report]
    unknown = sorted(
        k
        for k, v in report.items()
        if isinstance(k, str)
        and k not in KNOWN_WINDOWS
        and k not in NON_WINDOW_KEYS
        and _is_window_shaped(v)
    )
    windows = []
    for key in known + unknown:
        raw = report[key]
        if not isinstance(raw, Mapping):
            continue  # null (not started / not on this plan) or junk: absent
        windows.append(
            _RawWindow(
                key=key,
                label=label_for_key(key),
                value=_number(raw.get("utilization")),
                resets_at=parse_timestamp(raw.get("resets_at")),
                from_limits=False,
            )
        )
    return windows


def _limit_windows(limits: object) -> list[_RawWindow]:
    """Windows described by the newer ``limits[]`` list; ``percent`` there is always 0-100."""
    if not isinstance(limits, Sequence) or isinstance(limits, str | bytes):
        return []
    windows = []
    for entry in limits:
        if not isinstance(entry, Mapping):
            continue
        kind = entry.get("kind")
        if not isinstance(kind, str) or not kind:
            continue
        key, label = _limit_key(kind, entry.get("scope"))
        if key is None:
            continue
        windows.append(
            _RawWindow(
                key=key,
                label=label,
                value=_number(entry.get("percent")),
                resets_at=parse_timestamp(entry.get("resets_at")),
                from_limits=True,
                severity=_word(entry.get("severity")),
                surface=_surface(entry.get("scope")),
            )
        )
    return windows


def _word(value: object) -> str | None:
    """A short server keyword (``warning``), lowercased; anything else is None."""
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    return word if word and len(word) <= 32 else None


def _surface(scope: object) -> str | None:
    """``scope.surface`` as a keyword (``cowork``), whether sent as a string or an object."""
    if not isinstance(scope, Mapping):
        return None
    surface = scope.get("surface")
    if isinstance(surface, Mapping):
        surface = surface.get("id") or surface.get("display_name")
    return _word(surface)


def _limit_key(kind: str, scope: object) -> tuple[str | None, str]:
    if kind in _LIMIT_KIND_KEYS:
        key = _LIMIT_KIND_KEYS[kind]
        return key, label_for_key(key)
    name = _scope_name(scope)
    if kind == "weekly_scoped":
        if name is None:
            return None, ""
        key = f"seven_day_{_slug(name)}"
        label = KNOWN_WINDOWS.get(key, f"Weekly · {name}")
        return key, label
    # A kind we have never seen: still a limit the server enforces, so show it.
    key = f"limit_{_slug(kind)}" + (f"_{_slug(name)}" if name else "")
    return key, _humanize(kind) + (f" · {name}" if name else "")


def _scope_name(scope: object) -> str | None:
    if not isinstance(scope, Mapping):
        return None
    model = scope.get("model")
    if isinstance(model, Mapping):
        name = model.get("display_name") or model.get("id")
        if isinstance(name, str) and name.strip():
            return name.strip()
    surface = scope.get("surface")
    if isinstance(surface, str) and surface.strip():
        return _humanize(surface.strip())
    if isinstance(surface, Mapping):
        name = surface.get("display_name") or surface.get("id")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def decide_scale(named: Iterable[float | None], pairs: Iterable[tuple[float, float]]) -> Scale:
    """The scale of one report (see the module docstring for the rule).

    ``named`` are the utilizations under window keys; ``pairs`` are ``(utilization, percent)``
    for windows that ``limits[]`` also reports.
    """
    percent_votes = fraction_votes = 0
    for value, percent in pairs:
        as_percent = abs(value - percent) <= _AGREEMENT
        as_fraction = abs(value * 100 - percent) <= _AGREEMENT
        if as_percent and not as_fraction:
            percent_votes += 1
        elif as_fraction and not as_percent:
            fraction_votes += 1
    if percent_votes != fraction_votes:
        return "percent" if percent_votes > fraction_votes else "fraction"
    values = [v for v in named if v is not None]
    if any(v > 1 for v in values):
        return "percent"
    if any(v != int(v) for v in values):
        return "fraction"
    return "percent"


def _to_percent(value: float | None, scale: Scale) -> float | None:
    if value is None or value < 0:
        return None
    return value * 100 if scale == "fraction" else value


def _extra_usage(raw: object, scale: Scale) -> ExtraUsage | None:
    if not isinstance(raw, Mapping):
        return None
    enabled = raw.get("is_enabled")
    limit = _number(raw.get("monthly_limit"))
    used = _number(raw.get("used_credits"))
    places = raw.get("decimal_places")
    currency = raw.get("currency")
    percent: float | None
    if limit is not None and limit > 0 and used is not None:
        ratio = used / limit * 100  # unambiguous, whatever the scale
        percent = ratio if math.isfinite(ratio) else None  # a limit of 1e-300 credits
    else:
        percent = _to_percent(_number(raw.get("utilization")), scale)
    return ExtraUsage(
        is_enabled=enabled if isinstance(enabled, bool) else None,
        monthly_limit=limit,
        used_credits=used,
        percent=percent,
        currency=currency.strip().upper() if isinstance(currency, str) and currency else None,
        decimal_places=int(places) if isinstance(places, int) and 0 <= places <= 6 else 2,
    )


def parse_usage_report(data: object) -> UsageReport:
    """Parse a ``/usage`` body (already JSON-decoded). Total: see the module docstring."""
    try:
        return _parse(data)
    except UnexpectedResponse:
        raise
    except Exception as exc:  # the contract: never anything but UnexpectedResponse
        raise UnexpectedResponse(_CHANGED) from exc


_CHANGED: Final = (
    "claude.ai answered with usage data in a shape ClaudeMeter does not understand "
    "(the private endpoint may have changed). The last good numbers are kept; "
    "look for a ClaudeMeter update."
)
_RECOGNIZED: Final = frozenset(KNOWN_WINDOWS) | {"extra_usage", "limits", "spend"}


def _parse(data: object) -> UsageReport:
    if not isinstance(data, Mapping):
        raise UnexpectedResponse(_CHANGED)
    if not (_RECOGNIZED & set(data)) and not any(_is_window_shaped(v) for v in data.values()):
        raise UnexpectedResponse(_CHANGED)
    named = _named_windows(data)
    from_limits: dict[str, _RawWindow] = {}
    for w in _limit_windows(data.get("limits")):
        from_limits.setdefault(w.key, w)
    pairs: list[tuple[float, float]] = []
    for w in named:
        twin = from_limits.get(w.key)
        if twin is not None and w.value is not None and twin.value is not None:
            pairs.append((w.value, twin.value))
    scale = decide_scale((w.value for w in named), pairs)
    windows = []
    for w in named:
        percent = _to_percent(w.value, scale)
        resets_at = w.resets_at
        twin = from_limits.pop(w.key, None)
        severity = surface = None
        if twin is not None:  # the named key wins; limits[] only fills what it lacks
            percent = percent if percent is not None else _to_percent(twin.value, "percent")
            resets_at = resets_at or twin.resets_at
            severity, surface = twin.severity, twin.surface
        windows.append(
            UsageWindow(
                key=w.key,
                label=w.label,
                percent=percent,
                resets_at=resets_at,
                severity=severity,
                surface=surface,
            )
        )
    windows.extend(
        UsageWindow(
            key=w.key,
            label=w.label,
            percent=_to_percent(w.value, "percent"),
            resets_at=w.resets_at,
            severity=w.severity,
            surface=w.surface,
        )
        for w in from_limits.values()
    )
    extra = _extra_usage(data.get("extra_usage"), scale)
    spend = _spend(data.get("spend"))
    if not windows and extra is None and spend is None and _has_junk(data):
        raise UnexpectedResponse(_CHANGED)  # known keys, unknown shapes: nothing to show
    return UsageReport(
        windows=tuple(_display_order(windows)), extra_usage=extra, spend=spend, scale=scale
    )


def _money(raw: object) -> Money | None:
    """``{"amount_minor", "currency", "exponent"}``; None without a usable amount."""
    if not isinstance(raw, Mapping):
        return None
    amount = _number(raw.get("amount_minor"))
    if amount is None:
        return None
    currency = raw.get("currency")
    exponent = raw.get("exponent")
    return Money(
        amount_minor=amount,
        currency=currency.strip().upper() if isinstance(currency, str) and currency else None,
        exponent=exponent
        if isinstance(exponent, int) and not isinstance(exponent, bool) and 0 <= exponent <= 6
        else 2,
    )


def _spend(raw: object) -> Spend | None:
    """The ``spend`` object; its ``percent`` when sent, else used of limit in one currency."""
    if not isinstance(raw, Mapping):
        return None
    used, limit = _money(raw.get("used")), _money(raw.get("limit"))
    cap, balance = _money(raw.get("cap")), _money(raw.get("balance"))
    percent = _number(raw.get("percent"))
    if percent is not None and percent < 0:
        percent = None
    if percent is None and used is not None and limit is not None and limit.amount_minor > 0:
        same = used.currency == limit.currency and used.exponent == limit.exponent
        ratio = used.amount_minor / limit.amount_minor * 100
        percent = ratio if same and math.isfinite(ratio) else None
    if used is None and limit is None and cap is None and balance is None and percent is None:
        return None
    return Spend(used=used, limit=limit, cap=cap, balance=balance, percent=percent)


def _has_junk(report: Mapping[str, object]) -> bool:
    """A recognized key holding neither null nor the shape it always had."""
    for key in _RECOGNIZED:
        value = report.get(key)
        expected = (list, tuple) if key == "limits" else Mapping
        if value is not None and not isinstance(value, expected):
            return True
    return False


def _display_order(windows: list[UsageWindow]) -> list[UsageWindow]:
    """Known windows in their order, then unknown session/weekly windows, then the rest."""
    order = {key: i for i, key in enumerate(KNOWN_WINDOWS)}

    def rank(window: UsageWindow) -> tuple[int, str]:
        if window.key in order:
            return order[window.key], window.key
        if window.key.startswith(("five_hour", "seven_day")):
            return len(order), window.key
        return len(order) + 1, window.key

    return sorted(windows, key=rank)
