"""``claude-meter status``: read the usage report once and print it.

With named accounts in the settings (``claude-meter accounts``), or ``--account``, every
metered account is read and shown in its own block: ``cli/status_accounts.py``, imported only
then, so the default-only command stays as quick as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from claude_meter.cli.render import render_human, to_json_object
from claude_meter.core.accounts import DEFAULT_ID
from claude_meter.core.errors import EXIT_STATUS, ConfigurationError, worst_exit_status
from claude_meter.core.models import FetchResult
from claude_meter.poll.fetcher import Fetcher

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings


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
    account: str | None = None,
) -> int:
    """Fetch once, print, and return the exit status (see :mod:`claude_meter.cli`)."""
    from claude_meter.core.settings import peek_settings

    settings = peek_settings()
    explicit = demo or browser is not None or source != "auto"
    if account is not None and explicit:
        print("claude-meter: --account does not go with --source, --browser or --demo", file=err)
        return 1
    if (settings.accounts or account is not None) and not explicit:
        from claude_meter.cli.status_accounts import run_accounts_status

        return run_accounts_status(
            settings, json_output=json_output, account=account, env=env, out=out, err=err
        )
    try:
        result = poll_default(
            settings, source=source, demo=demo, scenario=scenario, env=env,
            browser=browser, profile=profile,
        )  # fmt: skip
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=err)
        return 1
    now = _now()
    from claude_meter.cli.history import record_and_forecast

    forecasts, history_problem = record_and_forecast(result, now)
    from claude_meter.readings.convert import remember

    remember(result, now)  # for `status --cached` and the status line (demo readings are not)
    if json_output:
        document = to_json_object(result, forecasts)
        name = settings.default_account_name
        document["accounts"] = [account_entry(settings, None, name, result, document)]
        print(json.dumps(document, ensure_ascii=False), file=out)
    else:
        from claude_meter.cli.cached import wants_color

        color = wants_color(out, env)
        remaining = settings.percent_shown == "remaining"  # as the tray shows it
        text = render_human(result, now, color=color, forecasts=forecasts, show_remaining=remaining)
        print(text, file=out, end="")
        if result.error is not None:
            print(f"claude-meter: {result.error.message}", file=err)
        if history_problem is not None:
            print(f"claude-meter: {history_problem}", file=err)
    return exit_status(result)


def poll_default(
    settings: Settings,
    *,
    source: str,
    demo: bool,
    scenario: str,
    env: Mapping[str, str],
    browser: str | None = None,
    profile: str | None = None,
    others: Sequence[AccountRef] = (),
) -> FetchResult:
    """The default account's poll as ``status`` has always made it (``--source``, not the
    settings' source); :class:`ConfigurationError` for a bad ``--browser``. ``others``: the
    named accounts, whose browser profiles and Claude Code folder its search leaves alone."""
    fallback = source == "auto" and not demo and settings.challenge_fallback
    if demo:
        from claude_meter.poll.demo import start_demo

        with start_demo(scenario) as running:
            return Fetcher(running.env, demo=True).fetch(source)
    from claude_meter.clients.remembered import RememberedAnswers

    # the organization list, account and extras for 30 minutes, as the tray keeps them
    return Fetcher(env, remembered=RememberedAnswers()).fetch(
        source, browser=browser, profile=profile, fallback=fallback, others=others
    )


def exit_status(result: FetchResult) -> int:
    """0 numbers read; 2 sign in; 3 refused for now; 4 not understood; the worst org wins."""
    kinds = [result.error.kind] if result.error else []
    kinds += [s.error.kind for s in result.snapshots if s.error]
    return worst_exit_status([EXIT_STATUS.get(k, 4) for k in kinds])


def account_entry(
    settings: Settings,
    account: AccountRef | None,
    name: str,
    result: FetchResult,
    shown: Mapping[str, object],
) -> dict[str, object]:
    """One account in ``status --json``'s ``accounts`` (README); ``shown`` is the result's
    own JSON object, whose organizations it carries in exactly the top level's shape."""
    return {
        "id": account.id if account is not None else DEFAULT_ID,
        "name": name,
        "kind": account.kind if account is not None else settings.source,
        "from": account.describe() if account is not None else default_from(settings),
        "source": shown["source"],
        "email": email_of(account, result),
        "fetched_at": shown["fetched_at"],
        "organizations": shown["organizations"],
        "worst": shown["worst"],
        "error": shown["error"],
        "exit_status": exit_status(result),
    }


def default_from(settings: Settings) -> str:
    """Where the default account's credential comes from, in the person's words."""
    from claude_meter.core.settings import SOURCE_LABELS

    if settings.source == "browser" and settings.browser:
        return settings.browser + (f" ({settings.profile})" if settings.profile else "")
    return SOURCE_LABELS[settings.source].lower()


def email_of(account: AccountRef | None, result: FetchResult) -> str | None:
    """The account's email: as the server said it in this read, else as last known."""
    for snapshot in result.snapshots:
        if snapshot.account_email:
            return snapshot.account_email
    if account is not None:
        return account.email
    from claude_meter.sources.choice import load_choice

    return load_choice()[0].account_email
