"""The demo, set up in one place: a fake claude.ai, its environment, a throwaway history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claude_meter.core.errors import ConfigurationError
from claude_meter.poll.demo import start_demo
from claude_meter.poll.fetcher import Fetcher


def test_an_unknown_scenario_names_the_ones_there_are() -> None:
    with pytest.raises(ConfigurationError, match=r"choose one of: .*rising"):
        start_demo("nonsense")


def test_the_throwaway_history_gets_a_past_and_is_removed_at_stop() -> None:
    from claude_meter.poll.demo import seed_history

    demo = start_demo("rising")
    history = demo.open_history()
    assert demo.open_history() is history
    folder = history.path.parent
    first = Fetcher(demo.env, demo=True)()
    seed_history(history, first, first.fetched_at)
    snapshot = next(s for s in first.snapshots if s.windows)
    window = snapshot.windows[0]
    since = first.fetched_at - timedelta(days=8)
    past = history.samples(snapshot.org_uuid or "", window.key, since)
    assert len(past) >= 2
    assert past == sorted(past, key=lambda s: s.at)
    demo.stop()
    assert not folder.exists()
