"""Each named account polls on its own worker: its own schedule, backoff and fetch thread,
added and removed with the settings, without a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from pytestqt.qtbot import QtBot

from claude_meter.core.accounts import AccountRef
from claude_meter.core.bidi import isolated
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.core.settings import Settings
from claude_meter.core.state import load_state
from claude_meter.qt.app import TrayApp
from tests.support.notifier import Recorder

WORK = AccountRef(id="work", name="Work", kind="pasted")
HOME = AccountRef(id="home", name="Home", kind="claude-code")


def reading(percent: float, org: str = "o") -> FetchResult:
    now = datetime.now(UTC)
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=None)
    snapshot = Snapshot(source="web", org_uuid=org, org_name=org, fetched_at=now, windows=(window,))
    return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))


def limited() -> FetchResult:
    now = datetime.now(UTC)
    error = FetchError(kind="rate_limited", message="slow down", retry_at=now + timedelta(hours=1))
    return FetchResult(source="web", fetched_at=now, error=error)


class Counted:
    """Per account: how many polls, and what each answers."""

    def __init__(self, answers: dict[str | None, Callable[[], FetchResult]]) -> None:
        self.answers = answers
        self.calls: dict[str | None, int] = dict.fromkeys(answers, 0)
        self.threads: dict[str | None, set[str]] = {key: set() for key in answers}

    def fetch(self, account: str | None) -> Callable[[], FetchResult]:
        def poll() -> FetchResult:
            self.calls[account] += 1
            self.threads[account].add(threading.current_thread().name)
            return self.answers[account]().for_account(account)

        return poll


def tray(qtbot: QtBot, tmp_path: Path, counted: Counted, settings: Settings) -> TrayApp:
    app = TrayApp(
        counted.fetch(None),
        interval=timedelta(milliseconds=40),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.account_fetch = counted.fetch
    app.interval_fixed = True
    app.apply_settings(settings)
    app.start()
    return app


def test_one_accounts_rate_limit_never_delays_another(qtbot: QtBot, tmp_path: Path) -> None:
    counted = Counted({None: lambda: reading(20), "work": limited, "home": lambda: reading(70)})
    app = tray(qtbot, tmp_path, counted, Settings(accounts=(WORK, HOME)))
    qtbot.waitUntil(lambda: counted.calls[None] >= 5 and counted.calls["home"] >= 5, timeout=5000)
    app.stop()
    assert counted.calls["work"] == 1  # held until the server's retry time
    saved = load_state(tmp_path / "state.json").not_before
    assert set(saved) == {"web@work"}  # kept for a restart, under the account's own key
    assert counted.threads == {
        None: {"claude-meter-fetch"},
        "work": {"claude-meter-fetch-work"},
        "home": {"claude-meter-fetch-home"},
    }
    assert [a.name for a in app.meter.accounts()] == ["Default", "Work", "Home"]
    assert app.current_indicator().text == "70"
    assert f"the icon shows {isolated('Home')}" in app.tray.toolTip()


def test_a_slow_account_never_holds_up_the_others(qtbot: QtBot, tmp_path: Path) -> None:
    release = threading.Event()

    def slow() -> FetchResult:
        release.wait(10)
        return reading(5)

    counted = Counted({None: lambda: reading(20), "work": slow})
    app = tray(qtbot, tmp_path, counted, Settings(accounts=(WORK,)))
    qtbot.waitUntil(lambda: counted.calls[None] >= 5, timeout=5000)
    assert counted.calls["work"] == 1
    began = time.monotonic()
    app.stop()
    assert time.monotonic() - began < 2.0  # bounded, with a request in flight
    release.set()


def test_accounts_added_removed_and_renamed_take_effect_at_once(
    qtbot: QtBot, tmp_path: Path
) -> None:
    counted = Counted({None: lambda: reading(20), "work": lambda: reading(50), "home": limited})
    app = tray(qtbot, tmp_path, counted, Settings())
    qtbot.waitUntil(lambda: counted.calls[None] >= 2, timeout=5000)
    assert app.account_polls is None  # one account: nothing of accounts is made
    assert counted.calls["work"] == 0
    app.apply_settings(Settings(accounts=(WORK,)))
    qtbot.waitUntil(lambda: counted.calls["work"] >= 2, timeout=5000)
    qtbot.waitUntil(lambda: len(app.meter.accounts()[1].state.snapshots) == 1, timeout=5000)
    renamed = msgspec.structs.replace(WORK, name="Job")
    app.apply_settings(Settings(accounts=(renamed,)))
    assert app.account_polls is not None
    worker = app.account_polls.workers["work"]
    assert [a.name for a in app.meter.accounts()] == ["Default", "Job"]
    assert app.meter.accounts()[1].state.snapshots  # the numbers stay with the id
    app.apply_settings(Settings(accounts=(HOME,), default_account=False))
    assert list(app.account_polls.workers) == ["home"]
    assert worker is not None
    before = counted.calls["work"]
    default_before = counted.calls[None]
    qtbot.waitUntil(lambda: counted.calls["home"] >= 1, timeout=5000)
    qtbot.wait(200)
    app.stop()
    assert counted.calls["work"] <= before + 1  # at most the poll in flight
    assert counted.calls[None] == default_before  # the default account, off, asks nothing
    assert [a.key for a in app.meter.accounts()] == ["home"]


def test_refresh_reaches_every_accounts_worker(qtbot: QtBot, tmp_path: Path) -> None:
    counted = Counted({None: lambda: reading(20), "work": lambda: reading(50)})
    app = TrayApp(
        counted.fetch(None),
        interval=timedelta(hours=1),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.account_fetch = counted.fetch
    app.interval_fixed = True
    app.apply_settings(Settings(accounts=(WORK,)))
    app.start()
    qtbot.waitUntil(lambda: counted.calls == {None: 1, "work": 1}, timeout=5000)
    polls = app.account_polls
    assert polls is not None
    workers = [app.worker, *polls.workers.values()]
    qtbot.waitUntil(lambda: not any(w._inflight for w in workers), timeout=5000)
    app.refresh_pressed()
    qtbot.waitUntil(lambda: counted.calls == {None: 2, "work": 2}, timeout=5000)
    app.stop()


def test_a_claude_code_accounts_saved_deadline_holds_after_a_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A Claude Code account's 429 deadline is kept under ``claude-code@id``; a restarted
    tray's worker for it starts on that route, so it finds the deadline and waits (it started
    as ``web`` and polled at once)."""
    from claude_meter.core.state import SavedState, save_state

    later = datetime.now(UTC) + timedelta(hours=1)
    save_state(SavedState(not_before={"claude-code@home": later}), tmp_path / "state.json")
    counted = Counted({None: lambda: reading(20), "home": lambda: reading(70)})
    app = tray(qtbot, tmp_path, counted, Settings(accounts=(HOME,)))
    qtbot.waitUntil(lambda: counted.calls[None] >= 5, timeout=5000)
    app.stop()
    assert counted.calls["home"] == 0
