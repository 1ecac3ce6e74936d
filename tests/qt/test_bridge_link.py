"""The bridge in the tray: extension snapshots join the app's own polls on the GUI thread."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from claude_meter.bridge import Pairing
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.fake import scenarios as sc
from claude_meter.qt.app import TrayApp
from claude_meter.qt.bridge_link import PAIR_ACTION, BridgeLink
from claude_meter.qt.compose import connect_bridge
from tests.bridge.support import Clock, OwnFetch, good_post, paired_client
from tests.conftest import NOW
from tests.support.notifier import Recorder


def make(
    qtbot: QtBot,
    tmp_path: Path,
    port: int = 0,
    own: Callable[[], FetchResult] | None = None,
    **kwargs: Any,
) -> tuple[TrayApp, BridgeLink, Any]:
    """A started tray with its bridge connected the app's way; ``kwargs`` for the tray (its
    clock is the bridge's too)."""
    clock = kwargs.get("clock", lambda: datetime.now(UTC))
    link = BridgeLink(Pairing(clock=lambda: datetime.now(UTC)), port=port, clock=clock)
    own = own or OwnFetch()
    meter = TrayApp(
        own,
        interval=timedelta(milliseconds=50),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
        **kwargs,
    )
    connect_bridge(meter, link)
    meter.start()
    return meter, link, own


def test_extension_numbers_win_and_the_own_fetch_pauses_until_refresh_now(
    qtbot: QtBot, tmp_path: Path
) -> None:
    meter, link, own = make(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: own.calls >= 2, timeout=5000)
        assert meter.state.snapshots[0].error is not None  # the Cloudflare check, nothing else
        client, token = paired_client(link)
        assert client.post(good_post(), token).status == 200
        qtbot.waitUntil(
            lambda: bool(meter.state.snapshots) and meter.state.snapshots[0].source == "extension",
            timeout=5000,
        )
        (snapshot,) = meter.state.snapshots
        assert snapshot.windows[0].percent == 37.0
        assert not snapshot.stale
        assert meter.current_indicator().text == "64"
        calls = own.calls
        qtbot.wait(400)  # about eight poll intervals: the covered org is not fetched again
        assert own.calls <= calls + 1  # at most the poll that was already in flight
        assert meter.state.snapshots[0].source == "extension"  # the failure did not replace it
        settled = own.calls
        meter.refresh()  # "Refresh now" reads claude.ai itself, once
        qtbot.waitUntil(lambda: own.calls > settled, timeout=5000)
        assert meter.state.snapshots[0].source == "extension"  # its error kept the numbers
        assert any(title == "Browser extension paired" for title, _ in meter.notifier.sent)  # type: ignore[attr-defined]
    finally:
        meter.stop()
        link.stop()


def test_the_menu_opens_the_pairing_window(qtbot: QtBot, tmp_path: Path) -> None:
    meter, link, own = make(qtbot, tmp_path)
    try:
        # Stopping a TrayApp before its worker's first poll can crash Qt (seen once in a full
        # run); wait for the worker to be up, as the other tray tests do.
        qtbot.waitUntil(lambda: own.calls >= 1, timeout=5000)
        action = next(a for a in meter.menu.actions() if a.text() == PAIR_ACTION)
        assert not link.pairing.window_open()
        action.trigger()
        assert link.pairing.window_open()
    finally:
        meter.stop()
        link.stop()


def test_a_taken_port_is_shown_not_fatal(qtbot: QtBot, tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        meter, link, own = make(qtbot, tmp_path, port=port)
        try:
            assert link.problem is not None
            assert f"Port {port}" in link.problem
            assert meter.popover.notice.text() == link.problem
            qtbot.waitUntil(lambda: own.calls >= 2, timeout=5000)  # the app still polls
        finally:
            meter.stop()
            link.stop()


RESET = NOW + timedelta(hours=3)


class TwoOrgs:
    """The app's own route: org A (Personal) behind a Cloudflare check, org B (Team) fine."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls = 0

    def __call__(self) -> FetchResult:
        self.calls += 1
        now = self.clock()
        check = FetchError(kind="cloudflare", message="browser check")
        window = UsageWindow(key="five_hour", label="Session (5h)", percent=12.0, resets_at=RESET)
        return FetchResult(
            source="web",
            fetched_at=now,
            snapshots=(
                Snapshot(source="web", org_uuid=sc.PERSONAL.uuid, fetched_at=now, error=check),
                Snapshot(
                    source="web",
                    org_uuid=sc.TEAM.uuid,
                    org_name="Team",
                    fetched_at=now,
                    windows=(window,),
                ),
            ),
        )


def test_an_org_only_the_extension_reads_gets_history_sparklines_and_forecasts(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Issue 13's reproduction: the extension's posts reach the history like any reading."""
    from claude_meter.history import HistoryStore

    clock = Clock(NOW)
    with HistoryStore.open(tmp_path / "history.sqlite3") as history:
        own = TwoOrgs(clock)
        meter, link, _ = make(qtbot, tmp_path, own=own, clock=clock, history=history)
        try:
            qtbot.waitUntil(lambda: own.calls >= 2, timeout=5000)
            client, token = paired_client(link)

            def shown_a(percent: float) -> bool:
                a = [s for s in meter.state.snapshots if s.org_uuid == sc.PERSONAL.uuid]
                return bool(a) and a[0].source == "extension" and a[0].windows[0].percent == percent

            assert client.post(good_post(percent=30.0), token).status == 200
            qtbot.waitUntil(lambda: shown_a(30.0), timeout=5000)
            clock.advance(timedelta(minutes=40))
            assert client.post(good_post(percent=37.0), token).status == 200
            qtbot.waitUntil(lambda: shown_a(37.0), timeout=5000)
            assert meter.current_indicator().text == "64"  # A's weekly window, from the extension
            polls = own.calls
            qtbot.waitUntil(lambda: own.calls >= polls + 5, timeout=5000)  # five more polls

            since = NOW - timedelta(hours=5)
            rows = [s.percent for s in history.samples(sc.PERSONAL.uuid, "five_hour", since)]
            assert rows == [30.0, 37.0]
            assert history.samples(sc.TEAM.uuid, "five_hour", since)  # B, from the own route
            insight = meter.insights()[(None, sc.PERSONAL.uuid, "five_hour")]
            assert [s.percent for s in insight.samples] == [30.0, 37.0]
            assert insight.forecast.enough_data

            meter.open_popover()
            row = next(
                r
                for r in meter.popover.rows
                if r.usage_window.key == "five_hour" and r.usage_window.percent == 37.0
            )
            assert row.sparkline.has_data
            assert row.forecast.text()
        finally:
            meter.stop()
            link.stop()


def test_posts_leave_the_link_marked_with_the_account_the_settings_give(qtbot: QtBot) -> None:
    from claude_meter.core.accounts import AccountRef

    link = BridgeLink(Pairing(clock=lambda: datetime.now(UTC)), port=0)
    link.set_accounts([AccountRef(id="work", name="Work", kind="extension", profile="Work")])
    got: list[FetchResult] = []
    link.received.connect(got.append)  # direct: emitted on the connection thread
    try:
        assert link.start()
        client, token = paired_client(link)
        for profile in ("Work", "Home"):
            assert client.post({**good_post(), "profile": profile}, token).status == 200
        link.set_accounts([])  # the account removed in the settings
        assert client.post({**good_post(), "profile": "Work"}, token).status == 200
        qtbot.waitUntil(lambda: len(got) == 3, timeout=5000)
        assert [r.account for r in got] == ["work", None, None]
        assert [s.account for r in got for s in r.snapshots] == ["work", None, None]
    finally:
        link.stop()


def test_each_profiles_posts_reach_their_own_accounts_section(qtbot: QtBot, tmp_path: Path) -> None:
    """Two accounts in the tray: the default one (its own poll) and Work, an extension account
    for the browser profile named Work. Work's posts land in Work's section and stand in for
    Work's own poll only; a post from an unnamed profile is the default account's."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings

    work = AccountRef(id="work", name="Work", kind="extension", profile="Work")
    settings = Settings(accounts=(work,))
    calls: dict[str | None, int] = {None: 0, "work": 0}

    def fetch(account: str | None) -> Callable[[], FetchResult]:
        def poll() -> FetchResult:
            calls[account] += 1
            return OwnFetch()().for_account(account)  # the Cloudflare check, nothing else

        return poll

    link = BridgeLink(Pairing(clock=lambda: datetime.now(UTC)), port=0)
    link.set_accounts(settings.accounts)
    meter = TrayApp(
        fetch(None),
        interval=timedelta(milliseconds=40),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    meter.account_fetch = fetch
    meter.interval_fixed = True
    meter.apply_settings(settings)
    connect_bridge(meter, link)
    meter.start()

    def percent(account: str | None) -> float | None:
        state = next(a.state for a in meter.meter.accounts() if a.key == account)
        good = [s for s in state.snapshots if s.windows]
        return good[0].windows[0].percent if good else None

    try:
        qtbot.waitUntil(lambda: min(calls.values()) >= 2, timeout=10_000)
        client, token = paired_client(link)
        assert client.post({**good_post(percent=41.0), "profile": "Work"}, token).status == 200
        qtbot.waitUntil(lambda: percent("work") == 41.0, timeout=5000)
        assert percent(None) is None  # the default account's own poll still fails alone
        work_calls, default_calls = calls["work"], calls[None]
        qtbot.waitUntil(lambda: calls[None] >= default_calls + 5, timeout=10_000)
        assert calls["work"] <= work_calls + 1  # Work's fresh post stands in for its poll
        assert client.post(good_post(percent=12.0), token).status == 200  # no profile name
        qtbot.waitUntil(lambda: percent(None) == 12.0, timeout=5000)
        assert percent("work") == 41.0
    finally:
        meter.stop()
        link.stop()
