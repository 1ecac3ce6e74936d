"""Text forms shared by every front end: percents, countdowns, money, bars.

Pure functions of data and an explicit clock, so the CLI, the tray and the extension's test
vectors agree on what "resets in 2d 4h" means.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:  # annotations only: the cached reads and the statusline load no models
    from claude_meter.core.models import ExtraUsage, Money, Snapshot, Source, Spend

_SYMBOLS: Final = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

DayForm = Literal["short", "spoken", "dated"]
_DAY_FORMS: Final[dict[DayForm, str]] = {"short": "%a", "spoken": "%A", "dated": "%a %d %b"}


def local_time(
    at: datetime,
    tz: tzinfo | None = None,
    *,
    same_day_as: datetime | None = None,
    day: DayForm | None = "short",
) -> str:
    """A moment on the person's clock: ``Fri 09:00``, the one form every text uses.

    ``tz`` None is the computer's zone; a naive ``at`` is read as the computer's local time,
    as :meth:`datetime.astimezone` does. ``same_day_as``: the clock alone (``09:00``) when
    ``at`` falls on that moment's local day. ``day``: ``"spoken"`` names it in full for screen
    readers (``Friday 09:00``), ``"dated"`` adds the date (``Fri 04 Dec 09:00``) for lists that
    span weeks, None leaves it out (a chart's hour axis).
    """
    local = at.astimezone(tz)
    clock = local.strftime("%H:%M")
    if day is None:
        return clock
    if same_day_as is not None and local.date() == same_day_as.astimezone(tz).date():
        return clock
    return f"{local.strftime(_DAY_FORMS[day])} {clock}"


def format_percent(percent: float | None) -> str:
    """``37%``; ``?`` when unknown. Rounds down so 79.6 % never reads as the 80 % wall."""
    if percent is None:
        return "?"
    return f"{math.floor(percent + 1e-9):d}%"


def remaining(percent: float | None) -> float | None:
    """What is left of a window, never below 0 (a window can pass 100 % at the wall)."""
    if percent is None:
        return None
    return max(0.0, 100.0 - percent)


def percent_label(percent: float | None, *, show_remaining: bool) -> str:
    """A window's figure: ``37%`` used, or ``63% left`` (``core/presentation.py`` and the fast
    commands both show it this way)."""
    if not show_remaining:
        return format_percent(percent)
    left = remaining(percent)
    return format_percent(left) if left is None else f"{format_percent(left)} left"


def format_duration(delta: timedelta) -> str:
    """Compact, two units at most: ``2d 4h``, ``3h 59m``, ``4m``, ``now``. Never negative."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return "now" if seconds == 0 else "<1m"


def format_reset(resets_at: datetime | None, now: datetime, tz: tzinfo | None = None) -> str:
    """``resets in 2d 4h (Fri 09:00)`` in local time; a past reset reads ``resetting now``."""
    if resets_at is None:
        return "not started"
    when = local_time(resets_at, tz)
    if int((resets_at - now).total_seconds()) <= 0:  # as the countdown: never "in now"
        return f"resetting now ({when})"
    return f"resets in {format_duration(resets_at - now)} ({when})"


def format_money(minor_units: float, currency: str | None, decimal_places: int = 2) -> str:
    """An amount in minor units, in its own currency: ``$12.50``, ``€432.10``, ``CHF 3.00``."""
    amount = minor_units / (10**decimal_places)
    number = f"{amount:,.{decimal_places}f}"
    code = (currency or "").upper()
    if code in _SYMBOLS:
        return f"{_SYMBOLS[code]}{number}"
    return f"{code} {number}" if code else number


def format_extra_usage(extra: ExtraUsage) -> str:
    """``$12.50 of $50.00 (25%)``, or what is known of it."""
    if extra.is_enabled is False:
        return "off"
    used = extra.used_credits
    limit = extra.monthly_limit
    parts = []
    if used is not None:
        parts.append(format_money(used, extra.currency, extra.decimal_places))
    if limit is not None:
        parts.append(
            ("of " if parts else "limit ")
            + format_money(limit, extra.currency, extra.decimal_places)
        )
    text = " ".join(parts)
    if extra.percent is not None:
        text = (
            f"{text} ({format_percent(extra.percent)})" if text else format_percent(extra.percent)
        )
    return text or "on"


def _amount(money: Money) -> str:
    return format_money(money.amount_minor, money.currency, money.exponent)


def format_spend(spend: Spend) -> str:
    """``€18.75 of €100.00 (19%) · balance €81.25``, like extra usage, or what is known."""
    text = _amount(spend.used) if spend.used is not None else ""
    ceiling = spend.limit or spend.cap
    if ceiling is not None:
        text = f"{text} of {_amount(ceiling)}" if text else f"limit {_amount(ceiling)}"
    if spend.percent is not None:
        text = (
            f"{text} ({format_percent(spend.percent)})" if text else format_percent(spend.percent)
        )
    if spend.balance is not None:
        balance = f"balance {_amount(spend.balance)}"
        text = f"{text} · {balance}" if text else balance
    return text or "none"


#: Which route a snapshot's numbers came from, as the popover and the CLI say it.
ROUTE_LABELS: Final[dict[str, str]] = {
    "web": "claude.ai",
    "claude-code": "Claude Code's sign-in",
    "extension": "the browser extension",
    "claude-code-statusline": "Claude Code's status line",
    "demo": "the demo server",
}


def route_label(source: Source) -> str:
    """``via Claude Code's sign-in``: the route the numbers were read through."""
    return f"via {ROUTE_LABELS.get(source, source)}"


def fallback_note(snapshot: Snapshot) -> str:
    """Why the numbers came through another route: the person's fallback after a challenge."""
    return (
        f"read {route_label(snapshot.source)}: claude.ai asked for a browser check "
        "and you chose this fallback"
    )


def text_bar(percent: float | None, width: int = 20) -> str:
    """A bar of block characters; unknown percents draw as a dotted track."""
    if percent is None:
        return "·" * width
    filled = min(width, max(0, round(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


_PLANS: Final = (
    ("max_20x", "Max 20x"),
    ("max_5x", "Max 5x"),
    ("claude_max", "Max"),
    ("enterprise", "Enterprise"),
    ("team", "Team"),
    ("raven", "Team"),
    ("pro", "Pro"),
)


#: Tiers that name no plan: ``default_claude_ai`` is the tier of the plans without a tier of
#: their own, so it tells nothing a person would recognise (it is not shown rather than shown
#: as an internal id; ``status --json`` keeps it in ``plan``).
_UNNAMED: Final = frozenset({"default_claude_ai"})


def plan_label(tier: str | None) -> str | None:
    """``default_claude_max_20x`` -> ``Max 20x``; an unknown tier is shown as sent, and one
    that names no plan (:data:`_UNNAMED`) not at all."""
    if not tier:
        return None
    lowered = tier.lower()
    if lowered in _UNNAMED:
        return None
    for needle, label in _PLANS:
        if needle in lowered:
            return label
    return tier


def heading(name: str, email: str | None, tier: str | None) -> str:
    """``Acme · ana@example.com · Max 20x``: an organization's or an account's name, then
    the email and the plan where known (the CLI's, the popover's and an account section's)."""
    plan = plan_label(tier)
    return " · ".join(part for part in (name, email, plan) if part)


def format_countdown(resets_at: datetime | None, now: datetime, tz: tzinfo | None = None) -> str:
    """The popover's live countdown: ``resets in 2d 4h 13m · Fri 09:00``.

    Under a day it shows seconds (``4h 13m 05s``) so it visibly ticks; a past reset reads
    ``resetting now`` and never goes negative.
    """
    if resets_at is None:
        return "not started yet"
    when = local_time(resets_at, tz)
    seconds = int((resets_at - now).total_seconds())
    if seconds <= 0:
        return f"resetting now · {when}"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        left = f"{days}d {hours}h {minutes}m"
    elif hours:
        left = f"{hours}h {minutes:02d}m {secs:02d}s"
    else:
        left = f"{minutes}m {secs:02d}s"
    return f"resets in {left} · {when}"


def spoken_reset(resets_at: datetime | None, tz: tzinfo | None = None) -> str:
    """For screen readers: ``resets Friday 09:00``."""
    if resets_at is None:
        return "not started yet"
    return "resets " + local_time(resets_at, tz, day="spoken")


def format_age(moment: datetime | None, now: datetime) -> str:
    """``updated 23 s ago`` / ``updated 4 min ago`` / ``not updated yet``."""
    if moment is None:
        return "not updated yet"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return f"updated {seconds} s ago"
    if seconds < 3600:
        return f"updated {seconds // 60} min ago"
    return f"updated {seconds // 3600} h {seconds % 3600 // 60} min ago"
