"""The rules that let the extension's snapshots and the app's own fetches share one meter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claude_meter.core.bridge_rules import (
    BRIDGE_FRESH,
    covered_orgs,
    good_bridge_orgs,
    own_fetch_needed,
)
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import FetchError, FetchResult, Snapshot, Source, UsageWindow
from tests.conftest import NOW

ERROR = FetchError(kind="cloudflare", message="check")


def snap(
    org: str, percent: float | None = 10, *, source: Source = "web", error: bool = False
) -> Snapshot:
    windows = () if percent is None else (UsageWindow(key="five_hour", label="S", percent=percent),)
    return Snapshot(
        source=source,
        org_uuid=org,
        fetched_at=NOW,
        windows=() if error else windows,
        error=ERROR if error else None,
    )


def result(*snapshots: Snapshot, source: Source = "web", error: bool = False) -> FetchResult:
    return FetchResult(
        source=source, fetched_at=NOW, snapshots=snapshots, error=ERROR if error else None
    )


@pytest.mark.parametrize(
    ("age", "covered"),
    [
        (timedelta(0), True),
        (timedelta(seconds=119), True),
        (BRIDGE_FRESH, False),
        (timedelta(minutes=5), False),
        (-timedelta(seconds=30), True),  # a small clock step back
        (-timedelta(minutes=10), False),  # a bad clock cannot silence the app for long
    ],
)
def test_covered_while_younger_than_two_minutes(age: timedelta, covered: bool) -> None:
    assert covered_orgs({"a": NOW - age}, NOW) == (frozenset({"a"}) if covered else frozenset())


def test_only_good_bridge_snapshots_cover() -> None:
    bridge = result(snap("a", source="extension"), snap("b", error=True), source="extension")
    assert good_bridge_orgs(bridge) == {"a": NOW}
    assert good_bridge_orgs(result(source="extension", error=True)) == {}


@pytest.mark.parametrize(
    ("known", "covered", "forced", "needed"),
    [
        ([], frozenset(), False, True),  # nothing from the extension: fetch
        (["a"], frozenset({"a"}), False, False),  # all covered: skip
        ([], frozenset({"a"}), False, False),  # the extension is the only route so far
        (["a", "b"], frozenset({"a"}), False, True),  # b is not covered
        (["a"], frozenset({"a"}), True, True),  # "Refresh now"
        ([None], frozenset({"a"}), False, True),  # the Claude Code route names no org
    ],
)
def test_own_fetch_needed(
    known: list[str | None], covered: frozenset[str], forced: bool, needed: bool
) -> None:
    assert own_fetch_needed(known, covered, forced) is needed


def merged(
    current: list[Snapshot], incoming: FetchResult, covered: frozenset[str] = frozenset()
) -> MeterState:
    """The meter showing ``current``, after the one merge of ``incoming``."""
    return apply_result(MeterState(snapshots=tuple(current)), incoming, covered)


def test_a_bridge_result_replaces_its_orgs_and_keeps_the_others() -> None:
    current = [snap("a", 1), snap("b", 2)]
    incoming = result(
        snap("b", 50, source="extension"), snap("c", 3, source="extension"), source="extension"
    )
    shown = merged(current, incoming)
    assert shown.error is None
    assert [(s.org_uuid, s.windows[0].percent) for s in shown.snapshots] == [
        ("a", 1),
        ("b", 50),
        ("c", 3),
    ]


def test_a_failed_bridge_poll_does_not_touch_numbers_but_shows_when_there_are_none() -> None:
    failed = result(source="extension", error=True)
    with_numbers = MeterState(snapshots=(snap("a"),))
    assert apply_result(with_numbers, failed) is with_numbers
    assert merged([], failed).error == failed.error


def test_own_result_without_coverage_is_applied_as_it_is() -> None:
    incoming = result(snap("a", error=True))
    shown = merged([snap("a")], incoming, frozenset())
    assert shown.snapshots[0].error == ERROR  # the failure reaches a: its numbers go stale
    assert shown.snapshots[0].stale


def test_own_failures_never_replace_fresh_bridge_numbers() -> None:
    bridge_a = snap("a", 40, source="extension")
    current = [bridge_a, snap("b", 2)]
    incoming = result(snap("a", error=True), snap("b", 3))
    shown = merged(current, incoming, frozenset({"a"}))
    assert shown.snapshots == (bridge_a, snap("b", 3))


def test_own_successes_replace_bridge_numbers_and_unlisted_bridge_orgs_stay() -> None:
    bridge_a, bridge_z = snap("a", 40, source="extension"), snap("z", 9, source="extension")
    incoming = result(snap("a", 41))
    shown = merged([bridge_a, bridge_z], incoming, frozenset({"a", "z"}))
    assert shown.snapshots == (snap("a", 41), bridge_z)


def test_a_whole_own_failure_marks_only_uncovered_orgs() -> None:
    bridge_a = snap("a", 40, source="extension")
    shown = merged([bridge_a, snap("b", 2)], result(error=True), frozenset({"a"}))
    assert shown.error is None
    assert shown.snapshots[0] == bridge_a
    assert shown.snapshots[1].org_uuid == "b"
    assert shown.snapshots[1].error == ERROR
    only_covered = merged([bridge_a], result(error=True), frozenset({"a"}))
    assert (only_covered.snapshots, only_covered.error) == ((bridge_a,), None)
