"""What an HTTP answer means: a complete answer, and the typed error an unsuccessful one is.

One table for both routes (claude.ai's web API and Anthropic's OAuth API): Cloudflare's checks,
expired sessions, missing scopes, rate limits with ``Retry-After``, server errors, redirects
(never followed; a region page has its own message). Every message says what to do, and none
carries a header value. The GET that reads an answer is
:func:`claude_meter.clients.http.guarded_get`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from http.client import HTTPMessage
from typing import Final, Literal

import msgspec

from claude_meter.core import json_input, retry_words
from claude_meter.core.errors import (
    CloudflareChallenge,
    MeterError,
    NotSignedIn,
    RateLimited,
    RegionUnavailable,
    ServerError,
    SessionExpired,
    UnexpectedResponse,
)
from claude_meter.core.server_time import parse_http_date

Route = Literal["web", "oauth"]


_CHALLENGE_MARKERS: Final = (b"just a moment", b"cf-chl", b"challenge-platform", b"cloudflare")
HOST: Final[dict[Route, str]] = {"web": "claude.ai", "oauth": "Anthropic's API"}


class Answer(msgspec.Struct, frozen=True):
    """A complete HTTP answer, read within the deadline; ``headers`` by name in any case
    (``get_all`` for a repeated one, such as ``Set-Cookie``)."""

    status: int
    headers: HTTPMessage
    body: bytes

    @property
    def is_html(self) -> bool:
        kind = self.headers.get("content-type", "").lower()
        head = self.body.lstrip()[:15].lower()
        return "text/html" in kind or head.startswith((b"<!doctype", b"<html"))

    @property
    def is_challenge(self) -> bool:
        """A Cloudflare bot check: its header, or a web page that is one.

        A 403 page is taken as a block page; a plain 503 page is an outage, not a check.
        """
        return self.has_challenge_marks or (self.status == 403 and self.is_html)

    @property
    def has_challenge_marks(self) -> bool:
        """Cloudflare's ``cf-mitigated: challenge`` header, or a page naming its check.

        A 200 web page without them is not a check but a moved endpoint (an app's page
        where data used to be): see :func:`raise_for_answer`'s callers.
        """
        if self.headers.get("cf-mitigated", "").lower() == "challenge":
            return True
        if not self.is_html:
            return False
        text = self.body[:65536].lower()
        return any(marker in text for marker in _CHALLENGE_MARKERS)

    def json(self, route: Route) -> object:
        """The body as JSON, or :class:`UnexpectedResponse`."""
        try:
            return json_input.loads(self.body)
        except json_input.NotJson:
            raise UnexpectedResponse(_changed(route)) from None

    def error_type(self) -> str:
        """``error.type`` of an Anthropic JSON error body, or ''."""
        try:
            data = json_input.loads(self.body)
        except json_input.NotJson:
            return ""
        error = data.get("error") if isinstance(data, dict) else None
        kind = error.get("type") if isinstance(error, dict) else None
        return kind if isinstance(kind, str) else ""

    def error_message(self) -> str:
        try:
            data = json_input.loads(self.body)
        except json_input.NotJson:
            return ""
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else ""


def _changed(route: Route) -> str:
    return (
        f"{HOST[route]} answered in a shape ClaudeMeter does not understand (the private "
        "endpoint may have changed). The last good numbers are kept; look for an update."
    )


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as a time: seconds (``0`` included) or an HTTP date; None if absent/bad.

    A date out of :mod:`~claude_meter.core.server_time`'s range is unknown (None).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), 7 * 86400))
    return parse_http_date(value)


def expired_web() -> str:
    return (
        "Your claude.ai session has expired or was signed out. Sign in to claude.ai in your "
        f"browser again (or paste a new session), {retry_words.then_refresh()}"
    )


EXPIRED_OAUTH: Final = "Claude Code's sign-in has expired: run `claude` once to renew the sign-in."


def cloudflare() -> str:
    return (
        "claude.ai asked for a browser check (Cloudflare) instead of answering. Your session is "
        "probably fine: open claude.ai in your browser once, or use the ClaudeMeter browser "
        f"extension, {retry_words.then_refresh()}"
    )


def raise_for_answer(answer: Answer, route: Route, now: datetime) -> None:
    """Raise the typed error an unsuccessful answer stands for; return on 2xx."""
    status = answer.status
    if 200 <= status < 300:
        return
    where = HOST[route]
    if status in (403, 503) and answer.is_challenge:
        raise CloudflareChallenge(cloudflare() if route == "web" else _cloudflare_api(where))
    if status == 401:
        raise SessionExpired(expired_web() if route == "web" else EXPIRED_OAUTH)
    if status == 403:
        raise _forbidden(answer, route)
    if status == 429:
        retry_at = parse_retry_after(answer.headers.get("retry-after"), now)
        rate_limited = f"{where} is rate-limiting requests; {retry_words.again_at(retry_at, now)}"
        raise RateLimited(rate_limited, retry_at=retry_at)
    if status >= 500:
        raise ServerError(f"{where} had a server error (HTTP {status}). {retry_words.again()}")
    if 300 <= status < 400:
        raise _redirected(answer, where)
    raise UnexpectedResponse(
        f"{where} refused the request (HTTP {status}); the private endpoint may have changed. "
        "The last good numbers are kept; look for a ClaudeMeter update."
    )


#: Where claude.ai sends people it does not serve (docs/protocol.md section 4).
_REGION_PAGE: Final = "unavailable-in-region"
REGION: Final = (
    "claude.ai is not available from this network or region; a VPN exit can cause this. "
    "Try again from another network (or with the VPN off). The last numbers are kept."
)


def _redirected(answer: Answer, where: str) -> MeterError:
    """Redirects are never followed: a region page has its own message, others are changes."""
    if _REGION_PAGE in answer.headers.get("location", "").lower():
        return RegionUnavailable(REGION)
    return UnexpectedResponse(
        f"{where} redirected the request elsewhere (HTTP {answer.status}) instead of "
        "answering; the private endpoint may have changed. The last good numbers are kept; "
        "look for a ClaudeMeter update."
    )


def _cloudflare_api(where: str) -> str:
    return f"{where} answered with a bot check instead of data. {retry_words.again_later()}"


def _forbidden(answer: Answer, route: Route) -> MeterError:
    kind = answer.error_type()
    message = answer.error_message().lower()
    if route == "oauth" and "scope" in message:
        return NotSignedIn(MISSING_SCOPE)
    if route == "oauth":
        return SessionExpired(EXPIRED_OAUTH)
    if kind == "permission_error" and "organization" in message:
        return SessionExpired(
            "claude.ai says this session is not valid for the organization (signed out, "
            "switched account, or a VPN exit claude.ai distrusts). Sign in to claude.ai in "
            f"your browser again, {retry_words.then_refresh()}"
        )
    return SessionExpired(expired_web())


MISSING_SCOPE: Final = (
    "This Claude Code token lacks the user:profile scope (tokens made by `claude setup-token` "
    "do), so it cannot read usage. Sign in with `claude` itself, or use the claude.ai route."
)
