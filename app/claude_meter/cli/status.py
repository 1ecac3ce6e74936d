"""``claude-meter status``: read the usage report once and print it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TextIO

from claude_meter.cli.render import render_human, render_json
from claude_meter.clients.http import EXPIRED_OAUTH
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
from claude_meter.sources.cookies import COOKIE_ENV, InvalidCookie, SessionCookies, cookies_from_env

NO_SOURCE = (
    "No claude.ai session found. Set CLAUDE_METER_COOKIE to the Cookie header of claude.ai "
    "(or just the sessionKey value), or sign in to Claude Code with `claude`. "
    "To look around without an account: claude-meter status --demo"
)
NO_COOKIE = (
    "No claude.ai session given. Set CLAUDE_METER_COOKIE to the Cookie header of claude.ai "
    "(or just the sessionKey value) copied from your browser's developer tools."
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
) -> int:
    """Fetch once, print, and return the exit status (see :mod:`claude_meter.cli`)."""
    try:
        with _demo_env(demo, scenario, env) as effective_env:
            result = fetch_once(source, effective_env, demo=demo)
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=err)
        return 1
    now = _now()
    if json_output:
        print(render_json(result), file=out)
    else:
        print(render_human(result, now, color=_wants_color(out, env)), file=out, end="")
        if result.error is not None:
            print(f"claude-meter: {result.error.message}", file=err)
    return exit_status(result)


def exit_status(result: FetchResult) -> int:
    """0 numbers read; 2 sign in; 3 refused for now; 4 not understood; the worst org wins."""
    kinds = [result.error.kind] if result.error else []
    kinds += [s.error.kind for s in result.snapshots if s.error]
    return worst_exit_status([EXIT_STATUS.get(k, 4) for k in kinds])


def fetch_once(source: str, env: Mapping[str, str], *, demo: bool = False) -> FetchResult:
    """Choose the credentials, then poll once. ``auto``: the cookie first, then Claude Code."""
    now = _now()
    try:
        cookies = cookies_from_env(env) if source in ("auto", "web") else None
    except InvalidCookie as exc:
        return _failed("web", NotSignedIn(f"{COOKIE_ENV} is not usable: {exc}."), now)
    if cookies is not None:
        return _fetch_web(cookies, env, source="demo" if demo else "web")
    if source == "web":
        return _failed("web", NotSignedIn(NO_COOKIE), now)
    try:
        credentials = find_claude_code_credentials(env, default_home(), platform=sys.platform)
    except MeterError as exc:
        return _failed("claude-code", exc, now)
    if credentials is None:
        return _failed(
            "claude-code" if source == "claude-code" else "web",
            NotSignedIn(NO_CLAUDE_CODE if source == "claude-code" else NO_SOURCE),
            now,
        )
    if credentials.is_expired(now):
        return _failed("claude-code", SessionExpired(EXPIRED_OAUTH), now)
    from claude_meter.clients.oauth import ClaudeCodeClient

    with ClaudeCodeClient(credentials, oauth_base_url(env), clock=_now) as client:
        return client.fetch()


def _fetch_web(cookies: SessionCookies, env: Mapping[str, str], *, source: Source) -> FetchResult:
    from claude_meter.clients.web import WebClient

    with WebClient(cookies, web_base_url(env), source=source, clock=_now) as client:
        # A rotated sessionKey cannot be stored yet: the keyring arrives with the
        # credentials issue; the environment variable keeps working until the server drops it.
        return client.fetch().result


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
