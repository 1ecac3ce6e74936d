"""The worst window: the highest known percent, in one report and across organizations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claude_meter.core.models import Snapshot, UsageWindow
from claude_meter.core.worst import worst_of, worst_window


def _win(key: str, percent: float | None) -> UsageWindow:
    return UsageWindow(key=key, label=key, percent=percent)


@pytest.mark.parametrize(
    ("windows", "worst"),
    [
        ([], None),
        ([_win("a", None)], None),
        ([_win("a", 10), _win("b", 90), _win("c", 50)], "b"),
        ([_win("a", 70), _win("b", 70)], "a"),  # a tie goes to display order
        ([_win("a", None), _win("b", 0)], "b"),  # unknown never wins, 0 % does
        ([_win("a", 101.0), _win("b", 100)], "a"),
    ],
)
def test_worst_window(windows: list[UsageWindow], worst: str | None) -> None:
    found = worst_window(windows)
    assert (found.key if found else None) == worst


def test_worst_across_orgs_ties_to_first_org() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    a = Snapshot(source="web", org_uuid="a", fetched_at=now, windows=(_win("five_hour", 80),))
    b = Snapshot(source="web", org_uuid="b", fetched_at=now, windows=(_win("seven_day", 80),))
    c = Snapshot(source="web", org_uuid="c", fetched_at=now, windows=(_win("seven_day", 81),))
    result = worst_of([a, b])
    assert result is not None
    assert (result[0].org_uuid, result[1].key) == ("a", "five_hour")
    result = worst_of([a, b, c])
    assert result is not None
    assert result[0].org_uuid == "c"
    assert worst_of([]) is None
