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


def test_the_demo_serves_several_accounts_each_polled_with_its_own_session() -> None:
    from claude_meter.core.settings import Settings
    from claude_meter.poll.demo import demo_settings

    with start_demo("normal", accounts=3) as demo:
        assert [(key, name) for key, name, _ in demo.named] == [("work", "Work"), ("side", "Side")]
        emails = {Fetcher(demo.env, demo=True)().snapshots[0].account_email}
        for _key, _name, env in demo.named:
            emails |= {s.account_email for s in Fetcher(env, demo=True)().snapshots}
        assert emails == {"ada@example.com", "ada.lovelace@initech.example", "grace@example.net"}
        assert demo.server.cross_account_requests() == []
        shown = demo_settings(Settings(icon_style="ring"), demo)
        assert shown.icon_style == "ring"  # the person's display choices stay
        assert [a.name for a in shown.accounts] == ["Work", "Side"]
        assert shown.default_account_name == "Personal"
    with start_demo("normal") as one:
        assert one.named == ()


def test_every_demo_account_gets_a_past_of_its_own() -> None:
    """With several accounts each named one is seeded too (its own numbers now, from its own
    first reading, its own paces before), so its sparklines and History are full like the
    default account's; none of them is fetched for it (``poll/demo_seeding.py``)."""
    import threading

    from claude_meter.history.reads import walls_since, windows
    from claude_meter.poll.demo_seeding import PastSeeding

    with start_demo("normal", accounts=3) as demo:
        history = demo.open_history()
        first = Fetcher(demo.env, demo=True)()
        named = [Fetcher(env, demo=True)().for_account(key) for key, _, env in demo.named]
        caught_up = threading.Event()
        seeding = PastSeeding(history, seeded=caught_up.set)
        for result in (first, *named):  # the live meter's first readings, as they come
            for snapshot in result.snapshots:
                seeding.record(snapshot)
        requests = len(demo.server.request_log)
        seeding.start()
        assert caught_up.wait(30)
        assert len(demo.server.request_log) == requests
        since = first.fetched_at - timedelta(days=91)
        assert {account for account, _, _ in windows(history)} == {None, "work", "side"}
        counts = {
            who: len(history.readings(since, account=who, window_key="five_hour"))
            for who in (None, "work", "side")
        }
        assert min(counts.values()) > 3000, counts
        walls = walls_since(history, since, first.fetched_at)
        starts = {who: [w.hit_at for w in walls if w.account == who and w.window_key == "five_hour"]
                  for who in (None, "work")}  # fmt: skip
        assert starts["work"]
        assert starts["work"] != starts[None]  # a past of its own, not a copy
        assert demo.server.cross_account_requests() == []


@pytest.mark.parametrize("count", [0, 9])
def test_the_demo_says_how_many_accounts_it_shows(count: int) -> None:
    with pytest.raises(ConfigurationError, match="1 to 8 accounts"):
        start_demo("normal", accounts=count)
