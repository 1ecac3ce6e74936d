"""``claude-meter status --cached``: the last readings of every route, for bars and prompts.

It reads only the shared last-readings file (``readings/store.py``): no network, no keyring,
no browser database, none of the app's models, so a status bar can run it every few seconds. Forms:

- ``text``: every account, one line per window, with where each figure came from and when;
- ``json``: one object (a stable interface, ``docs/last-readings.md``);
- ``waybar``: one JSON object with ``text``, ``tooltip``, ``class`` (the grade: ``ok``,
  ``warn``, ``high``, ``critical``, ``unknown``; plus ``stale``) and ``percentage``;
- ``i3blocks``: full text, short text and colour, one per line;
- ``polybar``: the text with ``%{F#rrggbb}`` colours; ``tmux``: with ``#[fg=#rrggbb]``.

Several accounts: every metered account's readings (``--account NAME``: one account's), the
text naming each account when there are several; the one-line forms show the worst account's
figures (each account's newest organization, then the highest percent across them), as the
tray's icon does. The accounts' names come from ``settings.json`` read the light way
(``readings/preference.py``); readings of an account no longer in the settings are left out.

Exit status: 0 fresh figures; 3 the figures are older than ``--max-age`` (still printed,
marked stale) or none are stored; 1 the file is unusable. With none stored, a bar's form
prints its placeholder (``–``) on standard output, which is all a bar shows, and the advice
on standard error, where a bar's log keeps it; ``text``, read by a person in a terminal,
prints the advice once, on standard output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, TextIO

from claude_meter.core.display import format_money, format_percent, format_reset, percent_label
from claude_meter.core.grades import UNKNOWN, Grade, grade_for
from claude_meter.readings.preference import (
    account_names,
    find_account,
    read_settings_or_problem,
    shows_remaining,
    unknown_account,
)
from claude_meter.readings.store import StoreUnreadable, iso, load
from claude_meter.readings.view import (
    HEADLINE,
    AccountView,
    Row,
    accounts,
    provenance,
    short_age,
    short_label,
)

STALE_EXIT: Final = 3
NO_READING: Final = (
    "no reading stored yet: start the tray (run `claude-meter`), run `claude-meter status` "
    "once, or use `claude-meter statusline` in Claude Code"
)


def run_cached(
    *,
    form: str,
    max_age: timedelta | None,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    now: datetime | None = None,
    account: str | None = None,
) -> int:
    """Print the stored readings in ``form``; returns the exit status (see the docstring).
    ``account``: ``--account``, a name or an id; None for every metered account."""
    now = now or datetime.now(UTC)
    # a status bar runs this every few seconds: a damaged file is said (the tray and `status`
    # say it) only when it is why --account finds nothing, not on every call
    settings, problem = read_settings_or_problem()
    names = account_names(settings)
    if account is not None:
        found, wanted = find_account(names, account)
        if not found:
            print(f"claude-meter: {problem or unknown_account(names)}.", file=err)
            return 1
        names = {wanted: names[wanted]}
    try:
        views = [v for v in accounts(load()) if v.account in names]
    except StoreUnreadable as exc:
        print(
            f"claude-meter: the last readings cannot be read: {exc}. ClaudeMeter leaves such a "
            "file as it is (it may be another version's): remove it, and the next reading (the "
            "tray, `claude-meter status`) writes a new one.",
            file=err,
        )
        return 1
    if not views:
        print(_render(form, [], now, stale=True, color=False, left=False), file=out)
        if form != "text":  # the text form already said it, on standard output
            print(f"claude-meter: {NO_READING}", file=err)
        return STALE_EXIT
    lead = worst_view(views)
    stale = max_age is not None and now - lead.read_at > max_age
    color = form == "text" and wants_color(out, env)
    left = shows_remaining(settings)  # "used" or "remaining", as chosen (not in json)
    shown = _render(form, views, now, stale=stale, color=color, left=left, names=names)
    print(shown, file=out)
    return STALE_EXIT if stale else 0


def worst_view(views: Sequence[AccountView]) -> AccountView:
    """What a one-line meter shows: each account's newest organization (``views`` are newest
    first), and of those the one whose figures are the highest (the newer on a tie)."""
    newest: dict[str | None, AccountView] = {}
    for view in views:
        newest.setdefault(view.account, view)
    return max(newest.values(), key=lambda v: _height(max_percent(headline(v))))


def _in_account_order(
    views: Sequence[AccountView], names: Mapping[str | None, str] | None
) -> list[AccountView]:
    """The accounts in the settings' order (the default one first), as ``status`` and the
    tray list them; each account's organizations stay newest first."""
    order = {key: position for position, key in enumerate(names or {})}
    return sorted(views, key=lambda v: order.get(v.account, len(order)))


def _height(percent: float | None) -> float:
    return -1.0 if percent is None else percent


def _render(
    form: str,
    views: Sequence[AccountView],
    now: datetime,
    *,
    stale: bool,
    color: bool,
    left: bool,
    names: Mapping[str | None, str] | None = None,
) -> str:
    lead = worst_view(views) if views else None
    views = _in_account_order(views, names)  # newest first within each account still
    if form == "json":
        return json.dumps(to_json_object(views, now, stale=stale, names=names), ensure_ascii=False)
    if form == "text":
        if not views:
            return NO_READING
        return text_form(views, now, stale=stale, color=color, left=left, names=names)
    figures = headline(lead) if lead else ()
    grade = worst_grade(figures)
    age = f" ({short_age(lead.read_at, now)} old)" if stale and lead else ""
    if form == "waybar":
        return json.dumps(
            {
                "text": _markup((_plain(figures, left) or "–") + age),
                "tooltip": _markup(
                    text_form(views, now, stale=stale, color=False, left=left, names=names)
                    if views
                    else NO_READING
                ),
                "class": [grade.name, "stale"] if stale else grade.name,
                "percentage": _whole(max_percent(figures)),
            },
            ensure_ascii=False,
        )
    if form == "i3blocks":
        full = (_plain(figures, left) or "–") + age
        short = percent_label(max_percent(figures), show_remaining=left) if figures else "–"
        return f"{full}\n{short}\n{grade.rgb}"
    if form == "polybar":
        return _coloured(figures, "%{{F{rgb}}}{text}%{{F-}}", left) + age
    if form == "tmux":
        return _coloured(figures, "#[fg={rgb}]{text}#[fg=default]", left) + age
    raise ValueError(form)


def _markup(text: str) -> str:
    """waybar reads ``text`` and ``tooltip`` as Pango markup: an organization called
    "R&D" must not blank the module."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def headline(view: AccountView) -> tuple[Row, ...]:
    """The figures a one-line meter shows: the session and the week, else the first two."""
    chosen = tuple(r for r in view.rows if r.key in HEADLINE)
    return chosen or view.rows[:2]


def max_percent(rows: Sequence[Row]) -> float | None:
    known = [r.percent for r in rows if r.percent is not None]
    return max(known) if known else None


def worst_grade(rows: Sequence[Row]) -> Grade:
    return grade_for(max_percent(rows)) if rows else UNKNOWN


def _whole(percent: float | None) -> int | None:
    return None if percent is None else int(percent + 1e-9)


def _figure(row: Row, left: bool) -> str:
    return f"{short_label(row)} {percent_label(row.percent, show_remaining=left)}"


def _plain(rows: Sequence[Row], left: bool) -> str:
    return " · ".join(_figure(r, left) for r in rows)


def _coloured(rows: Sequence[Row], template: str, left: bool) -> str:
    """Each figure in its grade's colour; the colour follows the percent *used* either way."""
    parts = [template.format(rgb=grade_for(r.percent).rgb, text=_figure(r, left)) for r in rows]
    return " · ".join(parts) or "–"


def text_form(
    views: Sequence[AccountView],
    now: datetime,
    *,
    stale: bool,
    color: bool,
    left: bool = False,
    names: Mapping[str | None, str] | None = None,
) -> str:
    """Every account, one line per window, each with its route and age; with several
    metered accounts, each heading starts with the account's name."""
    lines: list[str] = []
    lead = worst_view(views) if views else None
    several = len({v.account for v in views}) > 1
    for view in views:
        head = f"{_name(names, view.account)} · {view.name}" if several else view.name
        lines.append(head + (" (stale)" if stale and view is lead else ""))
        for row in view.rows:
            percent = percent_label(row.percent, show_remaining=left)
            if color:
                percent = f"\x1b[{grade_for(row.percent).ansi}m{percent}\x1b[0m"
            lines.append(
                f"  {row.label:<28} {percent:>4}  {format_reset(row.resets_at, now)}"
                f"  · {provenance(row.source, row.read_at, now)}"
            )
        if view.extra is not None:
            extra = view.extra
            amount = ""
            if extra.used_credits is not None:
                amount = format_money(extra.used_credits, extra.currency, extra.decimal_places)
                if extra.monthly_limit is not None:
                    limit = format_money(extra.monthly_limit, extra.currency, extra.decimal_places)
                    amount += f" of {limit}"
            figure = (
                f"{amount} ({format_percent(extra.percent)})"
                if amount
                else format_percent(extra.percent)
            )
            lines.append(
                f"  {'Extra usage':<28} {figure}  · {provenance(extra.source, extra.read_at, now)}"
            )
        if view.error:
            lines.append(f"  last attempt failed: {view.error}")
    return "\n".join(lines)


def _name(names: Mapping[str | None, str] | None, account: str | None) -> str:
    """An account's name (its id when the settings no longer name it)."""
    found = (names or {}).get(account)
    return found or account or "Default"


def to_json_object(
    views: Sequence[AccountView],
    now: datetime,
    *,
    stale: bool,
    names: Mapping[str | None, str] | None = None,
) -> dict[str, object]:
    """The ``--format json`` object: keys are only ever added (``docs/last-readings.md``).
    ``accounts`` holds one object per account and organization (the name says so since
    before metered accounts); ``account`` is the metered account's name."""
    return {
        "version": 1,
        "now": iso(now),
        "stale": stale,
        "accounts": [
            {
                "name": v.name,
                "account": _name(names, v.account),
                "org_uuid": v.org_uuid,
                "read_at": iso(v.read_at),
                "age_seconds": int((now - v.read_at).total_seconds()),
                "error": v.error,
                "windows": [
                    {
                        "key": r.key,
                        "label": r.label,
                        "percent": r.percent,
                        "resets_at": iso(r.resets_at) if r.resets_at else None,
                        "grade": grade_for(r.percent).name,
                        "source": r.source,
                        "read_at": iso(r.read_at),
                    }
                    for r in v.rows
                ],
                "extra_usage": None
                if v.extra is None
                else {
                    "percent": v.extra.percent,
                    "used_credits": v.extra.used_credits,
                    "monthly_limit": v.extra.monthly_limit,
                    "currency": v.extra.currency,
                    "source": v.extra.source,
                    "read_at": iso(v.extra.read_at),
                },
            }
            for v in views
        ],
    }


def wants_color(out: TextIO, env: Mapping[str, str]) -> bool:
    """ANSI colours on a terminal, unless ``NO_COLOR`` is set or the terminal is dumb."""
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())
