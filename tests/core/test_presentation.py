"""Every text about a window, as tables: used or remaining, hidden windows, several orgs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.core.alerts import Crossing
from claude_meter.core.bidi import isolated, leading
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.core.presentation import (
    Choice,
    crossing_text,
    icon_indicator,
    percent_label,
    remaining,
    spoken_percent,
    tooltip,
    window_line,
    without_windows,
)
from claude_meter.core.settings import Settings

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RESET = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)
SESSION = UsageWindow(key="five_hour", label="Session (5h)", percent=40.0, resets_at=RESET)
WEEK = UsageWindow(key="seven_day", label="Weekly", percent=90.0, resets_at=None)


def state(*orgs: tuple[str, tuple[UsageWindow, ...]]) -> MeterState:
    snapshots = tuple(
        Snapshot(source="web", org_uuid=name, org_name=name, fetched_at=NOW, windows=windows)
        for name, windows in orgs
    )
    return apply_result(
        MeterState(), FetchResult(source="web", fetched_at=NOW, snapshots=snapshots)
    )


USED = Choice()
LEFT = Choice(show_remaining=True)


@pytest.mark.parametrize(
    ("percent", "left", "used_text", "left_text"),
    [
        (40.0, 60.0, "40%", "60% left"),
        (0.0, 100.0, "0%", "100% left"),
        (100.0, 0.0, "100%", "0% left"),
        (112.0, 0.0, "112%", "0% left"),  # past the wall: nothing left, never negative
        (79.6, 20.4, "79%", "20% left"),
        (None, None, "?", "?"),
    ],
)
def test_percent_label(
    percent: float | None, left: float | None, used_text: str, left_text: str
) -> None:
    assert remaining(percent) == (None if left is None else pytest.approx(left))
    assert percent_label(percent, show_remaining=False) == used_text
    assert percent_label(percent, show_remaining=True) == left_text


@pytest.mark.parametrize(
    ("choice", "text", "percent", "grade"),
    [
        (USED, "90", 90.0, "high"),
        (LEFT, "10", 90.0, "high"),  # the colour follows the used percent
        (Choice(icon_hidden=frozenset({"seven_day"})), "40", 40.0, "ok"),
        (Choice(icon_hidden=frozenset({"seven_day"}), show_remaining=True), "60", 40.0, "ok"),
        (Choice(popover_hidden=frozenset({"seven_day"})), "90", 90.0, "high"),
    ],
)
def test_icon_indicator(choice: Choice, text: str, percent: float, grade: str) -> None:
    shown = icon_indicator(state(("Personal", (SESSION, WEEK))), NOW, INTERVAL, choice)
    assert (shown.kind, shown.text, shown.percent, shown.grade.name) == (
        "number",
        text,
        percent,
        grade,
    )


def test_icon_indicator_without_numbers_is_not_turned_into_remaining() -> None:
    assert icon_indicator(MeterState(), NOW, INTERVAL, LEFT).text == "…"


@pytest.mark.parametrize(
    ("choice", "lines"),
    [
        (USED, ["Session (5h): 40% · resets {when}", "Weekly: 90% · not started"]),
        (LEFT, ["Session (5h): 60% left · resets {when}", "Weekly: 10% left · not started"]),
        (Choice(icon_hidden=frozenset({"five_hour"})), ["Weekly: 90% · not started"]),
    ],
)
def test_tooltip_follows_the_icon(choice: Choice, lines: list[str]) -> None:
    when = RESET.strftime("%a %H:%M")
    text = tooltip(state(("Personal", (SESSION, WEEK))), choice, tz=UTC)
    assert text.splitlines() == ["ClaudeMeter", *(line.format(when=when) for line in lines)]


def test_tooltip_names_the_org_only_when_there_are_several() -> None:
    text = tooltip(state(("Personal", (SESSION,)), ("Team", (WEEK,))), LEFT, tz=UTC)
    assert text.splitlines()[1:] == [
        f"{leading('Personal')}: Session (5h): 60% left · resets {RESET.strftime('%a %H:%M')}",
        f"{leading('Team')}: Weekly: 10% left · not started",
    ]


@pytest.mark.parametrize(
    ("meter", "second_line"),
    [
        (MeterState(), "Fetching…"),
        (
            apply_result(
                MeterState(),
                FetchResult(
                    source="web",
                    fetched_at=NOW,
                    error=FetchError(kind="network", message="No connection."),
                ),
            ),
            "No connection.",
        ),
    ],
)
def test_tooltip_without_numbers(meter: MeterState, second_line: str) -> None:
    assert tooltip(meter, USED).splitlines() == ["ClaudeMeter", second_line]


def test_window_line_with_a_prefix() -> None:
    assert window_line(WEEK, show_remaining=False, prefix="Team: ") == (
        "Team: Weekly: 90% · not started"
    )


@pytest.mark.parametrize(
    ("show_remaining", "title"),
    [(False, "Weekly at 90%"), (True, "Weekly: 10% left")],
)
def test_crossing_text(show_remaining: bool, title: str) -> None:
    crossing = Crossing("o", "Personal", WEEK, 80.0)
    got = crossing_text(crossing, NOW, show_remaining=show_remaining)
    assert got == (title, f"Claude usage ({isolated('Personal')}) passed 80%; not started.")


def test_without_windows_leaves_the_state_alone_when_nothing_is_hidden() -> None:
    meter = state(("Personal", (SESSION, WEEK)))
    assert without_windows(meter, ()) is meter
    hidden = without_windows(meter, {"five_hour"})
    assert [w.key for w in hidden.snapshots[0].windows] == ["seven_day"]


@pytest.mark.parametrize(
    ("settings", "choice"),
    [
        (Settings(), Choice()),
        (
            Settings(
                icon_hidden=("five_hour",),
                popover_hidden=("seven_day",),
                percent_shown="remaining",
            ),
            Choice(frozenset({"five_hour"}), frozenset({"seven_day"}), show_remaining=True),
        ),
    ],
)
def test_the_choice_comes_from_the_settings(settings: Settings, choice: Choice) -> None:
    assert Choice.of(settings) == choice


@pytest.mark.parametrize(
    ("percent", "show_remaining", "words"),
    [
        (40.0, False, "40 percent"),
        (40.0, True, "60 percent left"),
        (112.0, True, "0 percent left"),
        (None, True, "unknown percent"),
    ],
)
def test_spoken_percent(percent: float | None, show_remaining: bool, words: str) -> None:
    assert spoken_percent(percent, show_remaining=show_remaining) == words
