"""What needs attention across accounts, for the popover's top line: tables of accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.core.account_view import AccountState, account_problem
from claude_meter.core.attention import (
    Attention,
    AttentionLine,
    account_attention,
    attention,
    attention_line,
    out_of_view,
    short_label,
)
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)
LABELS = {"five_hour": "Session (5h)", "seven_day": "Weekly · all models"}


def window(key: str, percent: float | None, label: str | None = None) -> UsageWindow:
    return UsageWindow(key=key, label=label or LABELS.get(key, key), percent=percent)


def read(key: str | None, name: str, *windows: UsageWindow, at: datetime = NOW) -> AccountState:
    snapshot = Snapshot(
        source="web", account=key, org_uuid=f"{name}-org", org_name=name, fetched_at=at,
        windows=windows,
    )  # fmt: skip
    result = FetchResult(source="web", fetched_at=at, snapshots=(snapshot,), account=key)
    return AccountState(key, name, apply_result(MeterState(), result))


def failed(account: AccountState, kind: str) -> AccountState:
    error = FetchError(kind=kind, message=f"{kind} happened.")
    result = FetchResult(source="web", fetched_at=NOW, error=error, account=account.key)
    return AccountState(account.key, account.name, apply_result(account.state, result))


def org_failed(account: AccountState, kind: str) -> AccountState:
    """One organization's reading failed (the poll itself answered)."""
    error = FetchError(kind=kind, message=f"{kind} happened.")
    snapshot = Snapshot(source="web", account=account.key, org_uuid=f"{account.name}-org",
                        fetched_at=NOW, error=error)  # fmt: skip
    result = FetchResult(source="web", fetched_at=NOW, snapshots=(snapshot,), account=account.key)
    return AccountState(account.key, account.name, apply_result(account.state, result))


CALM = read(None, "Personal", window("five_hour", 37), window("seven_day", 64))
FULL = read("team", "Team", window("five_hour", 40), window("seven_day", 97))


@pytest.mark.parametrize(
    ("account", "words", "reason"),
    [
        (CALM, None, None),
        (read("a", "A", window("five_hour", 94.9)), None, None),  # orange: not at its limit
        (read("a", "A", window("five_hour", 95)), "95% of session", "limit"),  # the icon's red
        (FULL, "97% of weekly", "limit"),
        (
            read("a", "A", window("five_hour", 100), window("seven_day", 130)),
            "130% of weekly",
            "limit",
        ),
        (read("a", "A", window("x", 99, "Weekly · Sonnet")), "99% of weekly Sonnet", "limit"),
        (read("a", "A", window("x", 99, "Daily")), "99% of Daily", "limit"),
        (read("a", "A", window("five_hour", None)), None, None),  # unknown never wins
        (failed(CALM, "session_expired"), "session expired", "sign_in"),
        (failed(FULL, "session_expired"), "session expired", "sign_in"),  # not its old 97 %
        (failed(CALM, "not_signed_in"), "not signed in", "sign_in"),
        (failed(CALM, "server"), "claude.ai failed", "failed"),
        (failed(CALM, "network"), "no connection", "failed"),
        (failed(CALM, "cloudflare"), "browser check", "failed"),
        (failed(CALM, "rate_limited"), "rate limited", "failed"),
        (failed(CALM, "unexpected"), "answer not understood", "failed"),
        (org_failed(FULL, "server"), "claude.ai failed", "failed"),
        (
            read("a", "A", window("five_hour", 20), at=NOW - 4 * INTERVAL),
            "numbers out of date",
            "stale",
        ),
        (
            read("a", "A", window("five_hour", 99), at=NOW - 4 * INTERVAL),
            "numbers out of date",
            "stale",
        ),
    ],
)
def test_what_needs_attention_in_one_account(
    account: AccountState, words: str | None, reason: str | None
) -> None:
    found = account_attention(account, NOW, INTERVAL)
    assert (found and found.words, found and found.reason) == (words, reason)
    if reason in ("sign_in", "failed", "stale"):  # a problem is exactly its section's red line
        assert account_problem(account, NOW, INTERVAL) is not None
    elif found is None:
        assert account_problem(account, NOW, INTERVAL) is None


def test_an_account_still_fetching_needs_nothing() -> None:
    assert account_attention(AccountState("a", "A", MeterState()), NOW, INTERVAL) is None


def test_a_window_at_its_limit_says_where_its_row_is() -> None:
    found = account_attention(FULL, NOW, INTERVAL)
    assert found == Attention("team", "Team", "limit", "97% of weekly", 97.0, "seven_day",
                              "Team-org")  # fmt: skip
    assert found.text == "Team: 97% of weekly"


def test_figures_follow_the_persons_choice_and_hidden_windows() -> None:
    found = account_attention(FULL, NOW, INTERVAL, show_remaining=True)
    assert found is not None
    assert found.words == "3% left of weekly"
    assert account_attention(FULL, NOW, INTERVAL, hidden={"seven_day"}) is None


def test_accounts_in_order_of_what_presses_most() -> None:
    stale = read("old", "Old", window("five_hour", 10), at=NOW - 4 * INTERVAL)
    accounts = [
        stale,
        read("a", "A", window("five_hour", 96)),
        failed(read("f", "F", window("five_hour", 10)), "network"),
        CALM,
        FULL,
        failed(read("w", "Work", window("five_hour", 10)), "session_expired"),
        read("b", "B", window("five_hour", 97)),  # ties with Team: the earlier section first
    ]
    found = attention(accounts, NOW, INTERVAL)
    assert [one.text for one in found] == [
        "Work: session expired",
        "Team: 97% of weekly",
        "B: 97% of session",
        "A: 96% of session",
        "F: no connection",
        "Old: numbers out of date",
    ]
    assert attention([CALM], NOW, INTERVAL) == ()


def test_only_what_is_out_of_view_is_named() -> None:
    found = attention([FULL, failed(CALM, "session_expired")], NOW, INTERVAL)
    assert out_of_view(found, lambda one: one.account == "team") == found[:1]
    assert out_of_view(found, lambda one: True) == ()


def named(*names: str) -> tuple[Attention, ...]:
    return tuple(Attention(n.lower(), n, "sign_in", "session expired") for n in names)


@pytest.mark.parametrize(
    ("room", "text", "more"),
    [
        (200, "Work: session expired · Team: session expired", 0),
        (40, "Work: session expired · +1 more", 1),
        (10, "Work: session expired · +1 more", 1),  # the first always: the line wraps
    ],
)
def test_the_line_names_what_fits_and_counts_the_rest(room: int, text: str, more: int) -> None:
    line = attention_line(named("Work", "Team"), lambda words: len(words) <= room)
    assert line is not None
    assert (line.text, len(line.more)) == (text, more)
    assert line.whole == "Work: session expired\nTeam: session expired"


def test_no_line_when_nothing_needs_attention() -> None:
    assert attention_line((), lambda words: True) is None
    assert AttentionLine(named("A")).more_text == ""


def test_short_labels() -> None:
    assert short_label(window("five_hour", 1)) == "session"
    assert short_label(window("seven_day", 1)) == "weekly"
    assert short_label(window("x", 1, "Weekly · Claude Code & apps")) == "weekly Claude Code & apps"
    assert short_label(window("x", 1, "Extra · one · two")) == "Extra one two"
