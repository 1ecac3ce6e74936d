"""Typed failures, their kinds and exit statuses (:mod:`claude_meter.core.errors`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claude_meter.core import errors


def test_error_kinds_and_exit_statuses() -> None:
    from claude_meter.core.errors import EXIT_STATUS, worst_exit_status

    assert EXIT_STATUS == {
        "session_expired": 2,
        "not_signed_in": 2,
        "cloudflare": 3,
        "rate_limited": 3,
        "server": 3,
        "network": 3,
        "unexpected": 4,
    }
    assert worst_exit_status([]) == 0
    assert worst_exit_status([0, 3]) == 3
    assert worst_exit_status([3, 4]) == 4
    assert worst_exit_status([4, 2, 3]) == 2


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (errors.NotSignedIn, "not_signed_in", 2),
        (errors.SessionExpired, "session_expired", 2),
        (errors.CloudflareChallenge, "cloudflare", 3),
        (errors.RateLimited, "rate_limited", 3),
        (errors.ServerError, "server", 3),
        (errors.NetworkError, "network", 3),
        (errors.RegionUnavailable, "network", 3),  # kinds are a fixed list: no new one
        (errors.UnexpectedResponse, "unexpected", 4),
        (errors.MeterError, "unexpected", 4),
    ],
)
def test_each_failure_keeps_its_message_kind_and_status(
    error: type[errors.MeterError], kind: str, status: int
) -> None:
    retry_at = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    raised = error("Sign in to claude.ai again.", retry_at=retry_at)
    assert isinstance(raised, errors.MeterError)
    assert (raised.kind, raised.exit_status) == (kind, status)
    assert raised.message == str(raised) == "Sign in to claude.ai again."
    assert raised.retry_at == retry_at
    assert error("no retry").retry_at is None


def test_a_configuration_error_is_not_a_fetch_failure() -> None:
    """It stops the run before any request: never reported as one organization's outcome."""
    assert not issubclass(errors.ConfigurationError, errors.MeterError)


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        ([0, 0], 0),
        ([3, 0, 3], 3),
        ([0, 4, 3], 4),
        ([2, 4, 3, 0], 2),
        ([7, 1], 0),  # statuses that are not outcomes count as none
        ([7, 3], 3),
    ],
)
def test_the_worst_exit_status_wins(statuses: list[int], worst: int) -> None:
    assert errors.worst_exit_status(statuses) == worst


def test_the_kinds_list_is_the_table_in_order() -> None:
    assert tuple(errors.EXIT_STATUS) == errors.ERROR_KINDS
    assert set(errors.ERROR_KINDS) == {
        cls.kind for cls in errors.MeterError.__subclasses__() if cls is not errors.MeterError
    }
