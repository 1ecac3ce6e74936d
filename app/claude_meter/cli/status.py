"""``claude-meter status``: read the usage report once and print it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

from claude_meter.cli.cached import wants_color
from claude_meter.cli.render import render_human, render_json
from claude_meter.core.errors import EXIT_STATUS, ConfigurationError, worst_exit_status
from claude_meter.core.models import FetchResult
from claude_meter.poll.fetcher import Fetcher


def _now() -> datetime:
    return datetime.now(UTC)


def run_status(
    *,
    json_output: bool,
    source: str,
    demo: bool,
    scenario: str,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    browser: str | None = None,
    profile: str | None = None,
) -> int:
    """Fetch once, print, and return the exit status (see :mod:`claude_meter.cli`)."""
    from claude_meter.core.settings import peek_settings

    settings = peek_settings()
    fallback = source == "auto" and not demo and settings.challenge_fallback
    try:
        if demo:
            from claude_meter.poll.demo import start_demo

            with start_demo(scenario) as running:
                result = Fetcher(running.env, demo=True).fetch(source)
        else:
            from claude_meter.clients.remembered import RememberedAnswers

            # the organization list, account and extras for 30 minutes, as the tray keeps them
            result = Fetcher(env, remembered=RememberedAnswers()).fetch(
                source, browser=browser, profile=profile, err=err, fallback=fallback
            )
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=err)
        return 1
    now = _now()
    from claude_meter.cli.history import record_and_forecast

    forecasts, history_problem = record_and_forecast(result, now)
    from claude_meter.readings.convert import remember

    remember(result, now)  # for `status --cached` and the status line (demo readings are not)
    if json_output:
        print(render_json(result, forecasts), file=out)
    else:
        color = wants_color(out, env)
        remaining = settings.percent_shown == "remaining"  # as the tray shows it
        text = render_human(result, now, color=color, forecasts=forecasts, show_remaining=remaining)
        print(text, file=out, end="")
        if result.error is not None:
            print(f"claude-meter: {result.error.message}", file=err)
        if history_problem is not None:
            print(f"claude-meter: {history_problem}", file=err)
    return exit_status(result)


def exit_status(result: FetchResult) -> int:
    """0 numbers read; 2 sign in; 3 refused for now; 4 not understood; the worst org wins."""
    kinds = [result.error.kind] if result.error else []
    kinds += [s.error.kind for s in result.snapshots if s.error]
    return worst_exit_status([EXIT_STATUS.get(k, 4) for k in kinds])
