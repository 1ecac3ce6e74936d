"""The sentences about walls (:mod:`claude_meter.history.wall_text`), in UTC so the hours are
the ones written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.history.wall_text import summaries, wall_line, window_name
from claude_meter.history.walls import Wall

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # a Thursday
ORG = "5c2a7f10-0000-4000-8000-000000000001"


def wall(
    hit_at: datetime,
    walled: int,
    *,
    key: str = "five_hour",
    before: int | None = None,
    ongoing: bool = False,
    org: str = ORG,
) -> Wall:
    until = None if ongoing else hit_at + timedelta(seconds=walled)
    return Wall(org, key, hit_at, until, None, walled, before)


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("five_hour", "Session (5h)"),
        ("seven_day_opus", "Weekly · Opus"),
        ("brand_new", "brand_new"),
    ],
)
def test_window_names(key: str, name: str) -> None:
    assert window_name(key) == name


@pytest.mark.parametrize(
    ("shown", "line"),
    [
        (
            wall(datetime(2026, 12, 3, 14, 20, tzinfo=UTC), 6000, before=7200),
            "Thu 03 Dec 14:20  5c2a7f10  Session (5h)               walled 1 h 40 min, "
            "2 h before the reset",
        ),
        (
            wall(datetime(2026, 12, 1, 9, 5, tzinfo=UTC), 720, key="seven_day", ongoing=True),
            "Tue 01 Dec 09:05  5c2a7f10  Weekly · all models        walled 12 min so far",
        ),
        (
            wall(datetime(2026, 12, 1, 9, 5, tzinfo=UTC), 3600, org=""),
            "Tue 01 Dec 09:05  -         Session (5h)               walled 1 h",
        ),
    ],
)
def test_one_line_per_wall(shown: Wall, line: str) -> None:
    assert wall_line(shown, UTC) == line


def test_without_the_organization() -> None:
    shown = wall(datetime(2026, 12, 3, 14, 20, tzinfo=UTC), 600)
    assert wall_line(shown, UTC, with_org=False) == (
        "Thu 03 Dec 14:20  Session (5h)               walled 10 min"
    )


def test_the_month_and_the_week_in_one_sentence_each() -> None:
    walls = [
        wall(datetime(2026, 11, 30, 10, tzinfo=UTC), 3600),  # last month, this week (Monday)
        wall(datetime(2026, 12, 1, 10, tzinfo=UTC), 1800, before=3600),
        wall(datetime(2026, 12, 2, 10, tzinfo=UTC), 600, before=7200),
        wall(datetime(2026, 12, 2, 12, tzinfo=UTC), 5400, key="seven_day"),
    ]
    assert summaries(walls, NOW, UTC) == [
        "Session (5h): walled 2 times this month, 40 min in all; up to 2 h before the reset; "
        "Weekly · all models: walled once this month, 1 h 30 min in all.",
        "Session (5h): walled 3 times this week, 1 h 40 min in all; up to 2 h before the reset; "
        "Weekly · all models: walled once this week, 1 h 30 min in all.",
    ]


def test_nothing_this_period_says_nothing() -> None:
    old = [wall(datetime(2026, 10, 5, 10, tzinfo=UTC), 3600)]
    assert summaries(old, NOW, UTC) == []
    assert summaries([], NOW, UTC) == []
