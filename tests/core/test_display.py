"""Text forms: percents, countdowns, money in its own currency, bars, grades."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from claude_meter.core.display import (
    format_duration,
    format_extra_usage,
    format_money,
    format_percent,
    format_reset,
    heading,
    local_time,
    plan_label,
    text_bar,
)
from claude_meter.core.grades import grade_for
from claude_meter.core.models import ExtraUsage

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("percent", "text"),
    [(None, "?"), (0, "0%"), (1.0, "1%"), (79.6, "79%"), (80, "80%"), (104.2, "104%")],
)
def test_format_percent(percent: float | None, text: str) -> None:
    assert format_percent(percent) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=2, hours=4, minutes=13), "2d 4h"),
        (timedelta(hours=3, minutes=59, seconds=59), "3h 59m"),
        (timedelta(minutes=4, seconds=10), "4m"),
        (timedelta(seconds=20), "<1m"),
        (timedelta(0), "now"),
        (timedelta(seconds=-30), "now"),  # never negative
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


def test_format_reset_local_time_and_past() -> None:
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert format_reset(friday, NOW, UTC) == "resets in 2d 0h (Fri 09:00)"
    tokyo = timezone(timedelta(hours=9))
    assert format_reset(friday, NOW, tokyo) == "resets in 2d 0h (Fri 18:00)"
    assert format_reset(NOW - timedelta(seconds=3), NOW, UTC) == "resetting now (Wed 08:59)"
    assert format_reset(None, NOW, UTC) == "not started"


TOKYO = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("at", "tz", "text"),
    [
        (NOW, UTC, "Wed 09:00"),
        (NOW, TOKYO, "Wed 18:00"),
        (NOW + timedelta(hours=15, minutes=5), TOKYO, "Thu 09:05"),  # past midnight there
        (NOW + timedelta(days=7), UTC, "Wed 09:00"),  # a week away: the same day name
    ],
)
def test_local_time_names_the_day_and_the_clock(at: datetime, tz: timezone, text: str) -> None:
    assert local_time(at, tz) == text


@pytest.mark.parametrize(
    ("at", "tz", "text"),
    [
        (NOW + timedelta(hours=14, minutes=59), UTC, "23:59"),  # later the same day
        (NOW - timedelta(hours=9), UTC, "00:00"),  # earlier the same day
        (NOW + timedelta(hours=15), UTC, "Thu 00:00"),  # past midnight
        (NOW + timedelta(days=7), UTC, "Wed 09:00"),  # same day name, a week away
        (NOW + timedelta(days=1), UTC, "Thu 09:00"),
        # the day is the person's, not UTC's: 12:00 and 16:00 UTC are Wed and Thu in Tokyo
        (NOW + timedelta(hours=7), TOKYO, "Thu 01:00"),
        # and 23:30 UTC falls on Thursday morning in Tokyo, as 09:00 UTC does not
        (NOW + timedelta(hours=14, minutes=30), TOKYO, "Thu 08:30"),
    ],
)
def test_local_time_on_the_same_day_is_the_clock_alone(
    at: datetime, tz: timezone, text: str
) -> None:
    assert local_time(at, tz, same_day_as=NOW) == text


def test_local_time_spoken_and_dated_forms() -> None:
    assert local_time(NOW, UTC, day="spoken") == "Wednesday 09:00"
    assert local_time(NOW, TOKYO, day="dated") == "Wed 25 Nov 18:00"
    week_later = NOW + timedelta(days=7)
    assert local_time(week_later, UTC, same_day_as=NOW, day="dated") == "Wed 02 Dec 09:00"
    assert local_time(week_later, TOKYO, day=None) == "18:00"  # the clock alone, any day


@pytest.fixture
def in_tokyo() -> Iterator[None]:
    """The computer's zone is Tokyo's (no summer time) for the test; the old one after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("in_tokyo")
def test_local_time_without_a_zone_is_the_computers() -> None:
    """The callers' forms: the server's aware UTC times and the CLI's naive local ``now``."""
    assert local_time(NOW) == "Wed 18:00"  # aware: moved to the computer's zone
    naive = datetime(2026, 11, 25, 9, 0)  # naive: already the computer's local time
    assert local_time(naive) == "Wed 09:00"
    late = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo
    assert local_time(late, same_day_as=naive) == "23:30"
    assert local_time(late, same_day_as=NOW) == "23:30"
    after_midnight = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    assert local_time(after_midnight, same_day_as=naive) == "Thu 00:30"


@pytest.mark.parametrize(
    ("minor", "currency", "places", "text"),
    [
        (1250, "USD", 2, "$12.50"),
        (43210, "EUR", 2, "€432.10"),
        (100000, "EUR", 2, "€1,000.00"),
        (300, "CHF", 2, "CHF 3.00"),
        (500, "JPY", 0, "¥500"),
        (1234, None, 2, "12.34"),
        (1250, "usd", 2, "$12.50"),
    ],
)
def test_money_uses_given_currency_and_minor_units(
    minor: float, currency: str | None, places: int, text: str
) -> None:
    assert format_money(minor, currency, places) == text


def test_extra_usage_text() -> None:
    extra = ExtraUsage(
        is_enabled=True, monthly_limit=5000, used_credits=1250, percent=25, currency="GBP"
    )
    assert format_extra_usage(extra) == "£12.50 of £50.00 (25%)"
    assert format_extra_usage(ExtraUsage(is_enabled=False)) == "off"
    assert format_extra_usage(ExtraUsage(percent=3.5)) == "3%"
    assert format_extra_usage(ExtraUsage()) == "on"
    assert "$" not in format_extra_usage(extra)


def test_text_bar() -> None:
    assert text_bar(0, 10) == "░" * 10
    assert text_bar(50, 10) == "█" * 5 + "░" * 5
    assert text_bar(150, 10) == "█" * 10
    assert text_bar(None, 4) == "····"


@pytest.mark.parametrize(
    ("percent", "grade"),
    [
        (None, "unknown"),
        (0, "ok"),
        (49.9, "ok"),
        (50, "warn"),
        (79.99, "warn"),
        (80, "high"),
        (94.9, "high"),
        (95, "critical"),
        (130, "critical"),
        (-1, "ok"),
    ],
)
def test_grades(percent: float | None, grade: str) -> None:
    assert grade_for(percent).name == grade


@pytest.mark.parametrize(
    ("tier", "label"),
    [
        ("default_claude_max_20x", "Max 20x"),
        ("default_claude_max_5x", "Max 5x"),
        ("default_claude_pro", "Pro"),
        ("default_raven", "Team"),
        ("something_new", "something_new"),
        ("default_claude_ai", None),  # the tier of plans without one: no name to show
        (None, None),
    ],
)
def test_plan_label(tier: str | None, label: str | None) -> None:
    assert plan_label(tier) == label


def test_a_heading_names_then_adds_the_email_and_plan_where_known() -> None:
    assert heading("Acme", "ana@example.com", "default_claude_max_20x") == (
        "Acme · ana@example.com · Max 20x"
    )
    assert heading("Work", None, "default_claude_max_20x") == "Work · Max 20x"
    assert heading("Acme", "ana@example.com", None) == "Acme · ana@example.com"
    assert heading("Acme", None, "") == "Acme"
