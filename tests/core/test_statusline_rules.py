"""The status line's two windows laid over what the meter holds from other routes."""

from __future__ import annotations

from datetime import timedelta

from claude_meter.core.models import FetchResult, Snapshot, UsageWindow
from claude_meter.core.statusline_rules import overlay
from tests.conftest import NOW


def _window(key: str, percent: float) -> UsageWindow:
    return UsageWindow(key=key, label=key, percent=percent)


def _line(org: str | None, *windows: UsageWindow, minutes: int = 5) -> FetchResult:
    at = NOW + timedelta(minutes=minutes)
    snapshot = Snapshot(
        source="claude-code-statusline", org_uuid=org, fetched_at=at, windows=windows
    )
    return FetchResult(source="claude-code-statusline", fetched_at=at, snapshots=(snapshot,))


WEB = Snapshot(
    source="web",
    org_uuid="a",
    org_name="Acme",
    fetched_at=NOW,
    windows=(_window("five_hour", 10), _window("seven_day", 20), _window("seven_day_opus", 5)),
)


def test_its_windows_replace_the_others_stay_marked_with_their_route() -> None:
    (laid,) = overlay(
        [WEB], _line("a", _window("seven_day", 64), _window("five_hour", 37))
    ).snapshots
    assert [(w.key, w.percent, w.read_via, w.read_at) for w in laid.windows] == [
        ("five_hour", 37, None, None),
        ("seven_day", 64, None, None),
        ("seven_day_opus", 5, "web", NOW),
    ]
    assert laid.org_name == "Acme"


def test_a_window_carried_twice_keeps_its_first_route_and_time() -> None:
    (first,) = overlay([WEB], _line("a", _window("five_hour", 37))).snapshots
    (second,) = overlay([first], _line("a", _window("five_hour", 38), minutes=6)).snapshots
    assert (second.windows[2].read_via, second.windows[2].read_at) == ("web", NOW)
    assert (second.windows[1].read_via, second.windows[1].read_at) == ("web", NOW)


def test_another_or_unknown_organization_stands_alone() -> None:
    for org in ("b", None):
        (alone,) = overlay([WEB], _line(org, _window("five_hour", 37))).snapshots
        assert [w.key for w in alone.windows] == ["five_hour"]
