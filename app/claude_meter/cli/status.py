"""``claude-meter status``: read the usage report once and print it."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from claude_meter.cli.render import render_human, render_json
from claude_meter.clients.http import EXPIRED_OAUTH, EXPIRED_WEB
from claude_meter.core.endpoints import oauth_base_url, web_base_url
from claude_meter.core.errors import (
    EXIT_STATUS,
    ConfigurationError,
    MeterError,
    NotSignedIn,
    SessionExpired,
    worst_exit_status,
)
from claude_meter.core.models import FetchResult, Source
from claude_meter.sources.claude_code import default_home, find_claude_code_credentials
from claude_meter.sources.cookies import COOKIE_ENV, SessionCookies, cookies_from_env

if TYPE_CHECKING:
    from claude_meter.clients.web import WebFetch
    from claude_meter.sources.selection import Selection, WebCandidate

log = logging.getLogger("claude_meter.cli.status")

NO_SOURCE = (
    "Or sign in to Claude Code with `claude`. "
    "To look around without an account: claude-meter status --demo"
)
NO_COOKIE = "No claude.ai session given, stored or found in a browser."
NO_WEB_HOWTO = (
    "Sign in to claude.ai in your browser, or run `claude-meter login --paste` with the Cookie "
    "header (or just the sessionKey value) copied from the browser's developer tools, or set "
    "CLAUDE_METER_COOKIE to it."
)
NO_CLAUDE_CODE = (
    "Claude Code's sign-in was not found (~/.claude/.credentials.json, $CLAUDE_CONFIG_DIR, "
    "the macOS Keychain or $CLAUDE_CODE_OAUTH_TOKEN). Run `claude` and sign in first."
)


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

    fallback = source == "auto" and not demo and peek_settings().challenge_fallback
    try:
        with _demo_env(demo, scenario, env) as effective_env:
            result = fetch_once(
                source,
                effective_env,
                demo=demo,
                browser=browser,
                profile=profile,
                err=err,
                fallback=fallback,
            )
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=err)
        return 1
    now = _now()
    from claude_meter.cli.history import record_and_forecast

    forecasts, history_problem = record_and_forecast(result, now)
    if json_output:
        print(render_json(result, forecasts), file=out)
    else:
        color = _wants_color(out, env)
        print(render_human(result, now, color=color, forecasts=forecasts), file=out, end="")
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


def fetch_once(
    source: str,
    env: Mapping[str, str],
    *,
    demo: bool = False,
    browser: str | None = None,
    profile: str | None = None,
    err: TextIO | None = None,
    fallback: bool = False,
) -> FetchResult:
    """Choose the credentials (see :mod:`claude_meter.sources.selection`), then poll once.

    ``fallback`` (the person's ``challenge_fallback`` setting, ``auto`` only): when claude.ai
    answers with a browser check, read this poll through Claude Code's route instead, if its
    sign-in exists and answers; the snapshots then say so (``fallback_from``).
    """
    now = _now()
    if demo:
        cookies = cookies_from_env(env)
        assert cookies is not None
        return _fetch_web(cookies, env, source="demo").result
    if browser is not None:
        source = "web"
    if source in ("auto", "web"):
        from claude_meter.sources.selection import Selection

        selection = Selection.create(env, now=now, browser=browser, profile=profile)
        try:
            result = _fetch_first_web(selection)
        except NotSignedIn as exc:
            result = _failed("web", exc, now)
        for note in selection.notes:
            if err is not None:
                print(f"claude-meter: {note}", file=err)
        if result is not None and fallback and source == "auto" and _challenged(result):
            return _claude_code_instead(result, env, now)
        if result is not None:
            return result
        if source == "web" or browser is not None:
            return _failed("web", NotSignedIn(_no_web(selection)), now)
        if not _claude_code_present(env):
            return _failed("web", NotSignedIn(f"{_no_web(selection)} {NO_SOURCE}"), now)
    try:
        credentials = find_claude_code_credentials(env, default_home(), platform=sys.platform)
    except MeterError as exc:
        return _failed("claude-code", exc, now)
    if credentials is None:
        return _failed("claude-code", NotSignedIn(NO_CLAUDE_CODE), now)
    if credentials.is_expired(now):
        return _failed("claude-code", SessionExpired(EXPIRED_OAUTH), now)
    from claude_meter.clients.oauth import ClaudeCodeClient

    with ClaudeCodeClient(credentials, oauth_base_url(env), clock=_now) as client:
        return client.fetch()


def _challenged(result: FetchResult) -> bool:
    """claude.ai answered this poll with a browser check: as a whole, or for every org."""
    if result.error is not None:
        return result.error.kind == "cloudflare"
    errors = [s.error for s in result.snapshots]
    return bool(errors) and all(e is not None and e.kind == "cloudflare" for e in errors)


def _claude_code_instead(
    challenged: FetchResult, env: Mapping[str, str], now: datetime
) -> FetchResult:
    """The chosen fallback: Claude Code's numbers, marked; the challenge when they fail."""
    try:
        credentials = find_claude_code_credentials(env, default_home(), platform=sys.platform)
    except MeterError:
        return challenged
    if credentials is None or credentials.is_expired(now):
        return challenged
    from claude_meter.clients.oauth import ClaudeCodeClient

    with ClaudeCodeClient(credentials, oauth_base_url(env), clock=_now) as client:
        result = client.fetch()
    if result.error is not None or not result.snapshots:
        log.info("the Claude Code fallback did not answer: %s", result.error and result.error.kind)
        return challenged
    marked = tuple(s.model_copy(update={"fallback_from": "web"}) for s in result.snapshots)
    return result.model_copy(update={"snapshots": marked})


def _claude_code_present(env: Mapping[str, str]) -> bool:
    try:
        found = find_claude_code_credentials(env, default_home(), platform=sys.platform)
    except MeterError:
        return True  # present but unreadable: let the Claude Code path explain
    return found is not None


def _no_web(selection: Selection) -> str:
    if selection.failures or selection.looked_at:
        return f"{selection.no_web_session_message()} {NO_WEB_HOWTO}"
    return f"{NO_COOKIE} {NO_WEB_HOWTO}"


def _fetch_first_web(selection: Selection) -> FetchResult | None:
    """Poll with each web candidate in order until one answers; None when there was none.

    A stored or browser session the server calls expired gives way to the next candidate;
    the environment variable never does (an explicit choice is reported as it is).
    """
    first_expired: FetchResult | None = None
    for candidate in selection.web_candidates():
        fetched = _fetch_web(candidate.cookies, selection.env, source="web")
        _keep(selection, candidate, fetched)
        error = fetched.result.error
        if candidate.origin != "environment" and error and error.kind == "session_expired":
            if candidate.origin == "stored":
                selection.store.refused()
            first_expired = first_expired or fetched.result
            continue
        return fetched.result
    if first_expired is None and selection.stored_refused:
        return _failed("web", SessionExpired(EXPIRED_WEB), selection.now)
    return first_expired


def _keep(selection: Selection, candidate: WebCandidate, fetched: WebFetch) -> None:
    """Store what must survive: a rotated sessionKey, a fresher copy of an imported session.

    The environment variable is never copied into the keyring.
    """
    if candidate.origin == "environment":
        return
    store = selection.store
    fresher = fetched.rotated
    if (
        fresher is None
        and candidate.profile is not None
        and selection.choice.stored_from == candidate.profile.label
        and fetched.result.error is None
        and selection.stored != candidate.cookies
    ):
        fresher = candidate.cookies
    if fresher is not None:
        saved = store.save(fresher)
        if not saved.persisted:
            log.info("a rotated claude.ai session could not be stored: %s", saved.message)
    _remember_email(selection, candidate, fetched.result)


def _remember_email(selection: Selection, candidate: WebCandidate, result: FetchResult) -> None:
    """Record the account's email next to the remembered choice it belongs to (not secret)."""
    from dataclasses import replace

    from claude_meter.sources.choice import save_choice

    choice = selection.choice
    emails = [s.account_email for s in result.snapshots if s.account_email]
    belongs = (candidate.origin == "stored" and choice.stored_from) or (
        candidate.profile is not None
        and choice.browser == candidate.profile.browser.key
        and (choice.profile is None or candidate.profile.matches(choice.profile))
    )
    if emails and belongs and choice.account_email != emails[0]:
        try:
            save_choice(replace(choice, account_email=emails[0]))
        except OSError as exc:
            log.info("could not remember the account email: %s", type(exc).__name__)


def _fetch_web(cookies: SessionCookies, env: Mapping[str, str], *, source: Source) -> WebFetch:
    from claude_meter.clients.web import WebClient
    from claude_meter.clients.web_transport import transport_mode

    mode = transport_mode(env)
    with WebClient(cookies, web_base_url(env), source=source, transport=mode, clock=_now) as client:
        return client.fetch()


def _failed(source: Source, exc: MeterError, now: datetime) -> FetchResult:
    from claude_meter.clients.web import error_of

    return FetchResult(source=source, fetched_at=now, error=error_of(exc))


@contextlib.contextmanager
def _demo_env(demo: bool, scenario: str, env: Mapping[str, str]) -> Iterator[Mapping[str, str]]:
    """With ``--demo``, an environment that points both routes at a fresh fake server."""
    if not demo:
        yield env
        return
    from claude_meter.fake import DEFAULT_SESSION_KEY, SCENARIOS, FakeClaude

    if scenario not in SCENARIOS:
        raise ConfigurationError(
            f"unknown demo scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}"
        )
    with FakeClaude(scenario).start() as server:
        yield {
            "CLAUDE_METER_BASE_URL": server.base_url,
            "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
            COOKIE_ENV: f"sessionKey={DEFAULT_SESSION_KEY}",
        }


def _wants_color(out: TextIO, env: Mapping[str, str]) -> bool:
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())
