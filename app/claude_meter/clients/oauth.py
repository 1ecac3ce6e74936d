"""The Claude Code route: ``api.anthropic.com/api/oauth/usage`` with Claude Code's token.

Read-only by design (see :mod:`claude_meter.sources.claude_code`). This endpoint rate-limits
hard, by ``User-Agent``, and shares its budget with Claude Code itself, so:

- every request identifies as the installed Claude Code (``User-Agent: claude-code/<version>``,
  :mod:`claude_meter.sources.claude_code_version`) with the ``anthropic-beta`` header;
- after a 429 nothing is sent with that token before its hold ends
  (:mod:`claude_meter.core.oauth_hold`), whoever asks: the tray, a restarted tray, the CLI;
- callers poll it every few minutes at most.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import msgspec

from claude_meter.clients.http import (
    DISCOVERY_TTL,
    TOTAL_TIMEOUT,
    ClientPool,
    guarded_get,
    make_http_client,
)
from claude_meter.clients.http_errors import EXPIRED_OAUTH, MISSING_SCOPE, raise_for_answer
from claude_meter.core.display import format_duration
from claude_meter.core.errors import MeterError, NotSignedIn, RateLimited, SessionExpired
from claude_meter.core.models import FetchError, FetchResult, Snapshot
from claude_meter.core.oauth_hold import HoldStore, hold_after_429, token_key, verdict
from claude_meter.core.retry_words import clock_time
from claude_meter.core.usage import parse_usage_report
from claude_meter.sources.claude_code import ClaudeCodeCredentials, default_home
from claude_meter.sources.claude_code_version import claude_code_user_agent

if TYPE_CHECKING:
    from claude_meter.clients.remembered import RememberedAnswers

OAUTH_BETA: Final = "oauth-2025-04-20"
PROFILE_TIMEOUT: Final = 5.0


class ClaudeCodeClient:
    """Reads the usage report with Claude Code's OAuth token."""

    def __init__(
        self,
        credentials: ClaudeCodeCredentials,
        base_url: str,
        *,
        pool: ClientPool | None = None,
        clock: Callable[[], datetime],
        holds: HoldStore | None = None,
        env: Mapping[str, str] | None = None,
        home: Path | None = None,
        remembered: RememberedAnswers | None = None,
    ) -> None:
        self._credentials = credentials
        self._remembered = remembered
        self._pool = pool
        self._holds = holds or HoldStore()
        self._user_agent = claude_code_user_agent(
            os.environ if env is None else env, home or default_home()
        )
        self._hold_key = token_key(credentials.access_token.reveal())
        self._profile_key = f"oauth|{base_url.rstrip('/')}|{self._hold_key}|profile"
        shared = pool.get(base_url.rstrip("/")) if pool is not None else None
        self._http = shared or make_http_client(base_url.rstrip("/"))
        self._owns_http = shared is None
        self._clock = clock

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ClaudeCodeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fetch(self) -> FetchResult:
        """One poll; the token's expiry and its hold are checked before anything is sent."""
        now = self._clock()
        try:
            if self._credentials.is_expired(now):
                raise SessionExpired(EXPIRED_OAUTH)
            if self._credentials.lacks_profile_scope:
                raise NotSignedIn(MISSING_SCOPE)
            report = parse_usage_report(self._held_usage(now))
        except MeterError as exc:
            return FetchResult(source="claude-code", fetched_at=now, error=FetchError.of(exc))
        profile = self._profile()
        account = _section(profile, "account")
        org = _section(profile, "organization")
        snapshot = Snapshot(
            source="claude-code",
            org_uuid=_str(org.get("uuid")),
            org_name=_str(org.get("name")),
            account_email=_str(account.get("email")),
            plan=_str(org.get("rate_limit_tier")) or self._credentials.rate_limit_tier,
            fetched_at=now,
            windows=report.windows,
            extra_usage=report.extra_usage,
            spend=report.spend,
        )
        return FetchResult(source="claude-code", fetched_at=now, snapshots=(snapshot,))

    def _held_usage(self, now: datetime) -> object:
        """The usage answer, unless this token's hold forbids asking; a 429 extends the hold."""
        hold = self._holds.get(self._hold_key)
        allowed = verdict(hold, now)
        if allowed == "wait" and hold is not None:
            raise RateLimited(held_message(hold.not_before, now), retry_at=hold.not_before)
        overriding = allowed == "override"
        if overriding and hold is not None:
            self._holds.put(
                self._hold_key,
                msgspec.structs.replace(hold, overridden=True, override_wanted=False),
            )
        try:
            data = self._get_json("/api/oauth/usage", TOTAL_TIMEOUT)
        except RateLimited as exc:
            answered = self._clock()
            new = hold_after_429(hold, exc.retry_at, answered, overriding=overriding)
            self._holds.put(self._hold_key, new)
            message = held_message(new.not_before, answered)
            raise RateLimited(message, retry_at=new.not_before) from None
        if hold is not None:
            self._holds.clear(self._hold_key)
        return data

    def _profile(self) -> object:
        """Who and which org, best-effort; a polling app asks only every 30 minutes, as for
        the web route's organization list: this endpoint's budget is small (protocol.md). The
        command line keeps it as long in a file (``remembered``)."""
        for memo in (self._pool, self._remembered):
            cached = memo.recall(self._profile_key) if memo is not None else None
            if cached is not None:
                return cached
        try:
            profile = self._get_json("/api/oauth/profile", PROFILE_TIMEOUT)
        except MeterError:
            return None
        if self._pool is not None:
            self._pool.remember(self._profile_key, profile, DISCOVERY_TTL)
        if self._remembered is not None:  # only what is read from it, into the file
            kept = {
                "account": {"email": _section(profile, "account").get("email")},
                "organization": {
                    k: _section(profile, "organization").get(k)
                    for k in ("uuid", "name", "rate_limit_tier")
                },
            }
            self._remembered.remember(self._profile_key, kept, DISCOVERY_TTL)
        return profile

    def _get_json(self, path: str, total_timeout: float) -> object:
        headers = {
            "Authorization": f"Bearer {self._credentials.access_token.reveal()}",
            "anthropic-beta": OAUTH_BETA,
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }
        answer = guarded_get(self._http, path, headers, "oauth", total_timeout=total_timeout)
        raise_for_answer(answer, "oauth", self._clock())
        return answer.json("oauth")


def held_message(not_before: datetime, now: datetime) -> str:
    """What a person reads while a hold lasts: that nothing is sent, and when the next try is."""
    local = clock_time(not_before, now)
    return (
        "Anthropic's API is rate-limiting Claude Code's route; ClaudeMeter sends nothing "
        f"before the next try at {local} (in {format_duration(not_before - now)})."
    )


def _section(profile: object, name: str) -> Mapping[str, object]:
    if isinstance(profile, Mapping):
        section = profile.get(name)
        if isinstance(section, Mapping):
            return section
    return {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
