"""Typed failures of a fetch, each with a message a person can act on.

Every error has a stable ``kind`` (the ``--json`` interface uses it) and a CLI exit status:
2 when the user must sign in, 3 when the server or network refused for now, 4 when the answer
was not understood. Messages never contain a cookie or token value.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar


class MeterError(Exception):
    """Base of every failure the app reports to a person instead of crashing."""

    kind: ClassVar[str] = "unexpected"
    exit_status: ClassVar[int] = 4

    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_at = retry_at


class NotSignedIn(MeterError):
    """No credentials were found, or they cannot be used as they are."""

    kind = "not_signed_in"
    exit_status = 2


class SessionExpired(MeterError):
    """The server says the session or token is no longer valid."""

    kind = "session_expired"
    exit_status = 2


class CloudflareChallenge(MeterError):
    """Cloudflare wants a browser check. The session may be fine: never ask for a new login."""

    kind = "cloudflare"
    exit_status = 3


class RateLimited(MeterError):
    """The server asked us to slow down; ``retry_at`` says until when."""

    kind = "rate_limited"
    exit_status = 3


class ServerError(MeterError):
    """The server failed (5xx)."""

    kind = "server"
    exit_status = 3


class NetworkError(MeterError):
    """No answer: DNS, connection, TLS or a timeout."""

    kind = "network"
    exit_status = 3


class RegionUnavailable(NetworkError):
    """A redirect to claude.ai's "unavailable in your region" page: the network, not the session.

    Its kind stays ``network`` (the ``--json`` kinds are a fixed list); the message says what
    happened and what to try.
    """


class UnexpectedResponse(MeterError):
    """The answer had a shape we do not understand: the private endpoint probably changed."""

    kind = "unexpected"
    exit_status = 4


class ConfigurationError(Exception):
    """The user's configuration is unusable (for example a non-loopback base URL override)."""


#: Every error kind and its CLI exit status.
EXIT_STATUS: dict[str, int] = {
    cls.kind: cls.exit_status
    for cls in (
        SessionExpired,
        NotSignedIn,
        CloudflareChallenge,
        RateLimited,
        ServerError,
        NetworkError,
        UnexpectedResponse,
    )
}
ERROR_KINDS: tuple[str, ...] = tuple(EXIT_STATUS)
#: The kinds the person fixes by signing in (or choosing another source), not by waiting.
SIGN_IN_KINDS: frozenset[str] = frozenset({SessionExpired.kind, NotSignedIn.kind})

#: Which exit status wins when organizations disagree: needing to sign in beats a
#: misunderstood answer, which beats a refusal for now, which beats success.
_SEVERITY = (0, 3, 4, 2)


def worst_exit_status(statuses: list[int]) -> int:
    """The exit status that wins among several organizations' outcomes."""
    known = [s for s in statuses if s in _SEVERITY] or [0]
    return max(known, key=_SEVERITY.index)
