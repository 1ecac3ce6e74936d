"""Which HTTP answer means which typed error, as a table (protocol.md section 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.clients.http_errors import (
    Answer,
    Route,
    parse_retry_after,
    raise_for_answer,
)
from claude_meter.core import retry_words
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
from tests.conftest import NOW
from tests.support.hostile import headers_of

HTML = {"content-type": "text/html; charset=UTF-8"}
JSON = {"content-type": "application/json"}
CF_PAGE = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>"


def error_body(kind: str, message: str = "x") -> bytes:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


def answer(status: int, headers: dict[str, str], body: bytes = b"") -> Answer:
    return Answer(status, headers_of(headers), body)


@pytest.mark.parametrize(
    ("route", "status", "headers", "body", "error", "phrase"),
    [
        ("web", 401, JSON, error_body("authentication_error"), SessionExpired, "Sign in"),
        (
            "web",
            403,
            JSON,
            error_body("permission_error", "Invalid authorization for organization"),
            SessionExpired,
            "not valid for the organization",
        ),
        ("web", 403, JSON, error_body("authentication_error"), SessionExpired, "Sign in"),
        (
            "web",
            403,
            {**HTML, "cf-mitigated": "challenge"},
            CF_PAGE,
            CloudflareChallenge,
            "browser check",
        ),
        (
            "web",
            503,
            {**HTML, "cf-mitigated": "challenge"},
            CF_PAGE,
            CloudflareChallenge,
            "browser check",
        ),
        (
            "web",
            403,
            JSON | {"cf-mitigated": "challenge"},
            b"{}",
            CloudflareChallenge,
            "browser check",
        ),
        ("web", 503, HTML, CF_PAGE, CloudflareChallenge, "browser check"),
        ("web", 403, HTML, b"<html>Access denied</html>", CloudflareChallenge, "browser check"),
        ("web", 503, HTML, b"<html>Service Unavailable</html>", ServerError, "HTTP 503"),
        ("web", 500, JSON, error_body("api_error"), ServerError, "HTTP 500"),
        ("web", 502, {}, b"", ServerError, "HTTP 502"),
        ("web", 429, {"retry-after": "30"}, b"", RateLimited, "try again at"),
        ("web", 429, {}, b"", RateLimited, "back off"),
        ("web", 404, JSON, error_body("not_found_error"), UnexpectedResponse, "HTTP 404"),
        ("web", 418, {}, b"", UnexpectedResponse, "HTTP 418"),
        ("oauth", 401, JSON, error_body("authentication_error"), SessionExpired, "run `claude`"),
        (
            "oauth",
            403,
            JSON,
            error_body(
                "permission_error", "OAuth token does not meet scope requirement user:profile"
            ),
            NotSignedIn,
            "user:profile",
        ),
        (
            "oauth",
            403,
            JSON,
            error_body("permission_error", "nope"),
            SessionExpired,
            "run `claude`",
        ),
        ("oauth", 429, {"retry-after": "0"}, b"", RateLimited, "Anthropic's API"),
        (
            "web",
            302,
            {"location": "https://claude.ai/app-unavailable-in-region"},
            b"",
            RegionUnavailable,
            "not available from this network or region; a VPN exit can cause this",
        ),
        ("web", 302, {"location": "/login"}, b"", UnexpectedResponse, "HTTP 302"),
        ("oauth", 307, {"location": "https://elsewhere/"}, b"", UnexpectedResponse, "HTTP 307"),
    ],
)
def test_error_table(
    route: Route,
    status: int,
    headers: dict[str, str],
    body: bytes,
    error: type[MeterError],
    phrase: str,
) -> None:
    with pytest.raises(error) as info:
        raise_for_answer(answer(status, headers, body), route, NOW)
    assert type(info.value) is error
    assert phrase in info.value.message
    assert str(info.value) == info.value.message


def test_success_passes_and_retry_at_is_set() -> None:
    raise_for_answer(answer(200, JSON, b"{}"), "web", NOW)
    with pytest.raises(RateLimited) as info:
        raise_for_answer(answer(429, {"retry-after": "0"}, b""), "web", NOW)
    assert info.value.retry_at == NOW
    with pytest.raises(RateLimited) as info:
        raise_for_answer(answer(429, {"retry-after": "90"}, b""), "oauth", NOW)
    assert info.value.retry_at == NOW + timedelta(seconds=90)


def test_a_command_that_ends_at_once_says_what_to_do_the_tray_that_it_will_retry() -> None:
    """The same table, two endings (``core/retry_words.py``); kinds do not change."""
    later = NOW + timedelta(minutes=20)
    retry = {"retry-after": "1200"}
    local = later.astimezone().strftime("%H:%M")
    for audience, limited, failed in (
        (
            "tray",
            f"ClaudeMeter will try again at {local}.",
            "The last numbers are kept; ClaudeMeter will try again.",
        ),
        ("command", f"it asks to wait until {local}: try again then.", "Try again in a minute."),
    ):
        with retry_words.speaking_to(audience), pytest.raises(RateLimited) as limit:  # type: ignore[arg-type]
            raise_for_answer(answer(429, retry, b""), "web", NOW)
        with retry_words.speaking_to(audience), pytest.raises(ServerError) as server:  # type: ignore[arg-type]
            raise_for_answer(answer(502, JSON, b"{}"), "oauth", NOW)
        assert limit.value.message == f"claude.ai is rate-limiting requests; {limited}"
        assert limit.value.kind == "rate_limited"
        assert server.value.message == f"Anthropic's API had a server error (HTTP 502). {failed}"
        assert server.value.kind == "server"


def test_a_page_is_a_challenge_only_with_cloudflare_marks() -> None:
    shell = b'<!DOCTYPE html><html><head><title>Claude</title></head><div id="root"></div>'
    assert not answer(200, HTML, shell).has_challenge_marks  # a moved endpoint: unexpected
    assert answer(200, HTML, CF_PAGE).has_challenge_marks
    assert answer(200, {"cf-mitigated": "challenge"}, b"{}").has_challenge_marks
    assert RegionUnavailable.kind == "network"  # the --json kinds stay a fixed list


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        ("0", NOW),
        ("Wed, 25 Nov 2026 09:05:00 GMT", datetime(2026, 11, 25, 9, 5, tzinfo=UTC)),
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after(value: str | None, expected: datetime | None) -> None:
    assert parse_retry_after(value, NOW) == expected
