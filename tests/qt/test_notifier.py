"""Desktop notifications behind one seam (:mod:`claude_meter.qt.notifier`): the chain and its
log, the backends each platform gets, and the D-Bus call to a real notification daemon (dunst
on a private session bus and X server)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.qt.notifier import (
    BannerNotifier,
    ChainNotifier,
    FreedesktopNotifier,
    TrayMessageNotifier,
    pick,
)
from tests.e2e.desktop import private_desktop
from tests.qt.test_tray_host import make


class Refusing:
    name = "a backend that refuses"

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        return False


def test_the_chain_logs_which_backend_showed_it(caplog: pytest.LogCaptureFixture) -> None:
    shown: list[tuple[str, str]] = []
    chain = ChainNotifier(Refusing(), BannerNotifier(lambda t, b: shown.append((t, b))))
    with caplog.at_level(logging.INFO, logger="claude_meter.notify"):
        assert chain.notify("Session (5h) at 85%", "body")
    assert shown == [("Session (5h) at 85%", "body")]
    assert "notification shown by a banner in the popover: Session (5h) at 85%" in caplog.text


def test_nothing_shown_is_logged_as_such(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="claude_meter.notify"):
        assert not ChainNotifier(Refusing()).notify("t", "b")
    assert "shown by" not in caplog.text
    assert "no notification backend could show: t" in caplog.text


@pytest.mark.parametrize(
    ("platform", "bus", "kinds"),
    [
        ("linux", "unix:path=/x", [FreedesktopNotifier, TrayMessageNotifier, BannerNotifier]),
        ("linux", "", [TrayMessageNotifier, BannerNotifier]),
        ("darwin", "", [TrayMessageNotifier, BannerNotifier]),
        ("win32", "", [TrayMessageNotifier, BannerNotifier]),
    ],
)
def test_pick_orders_the_backends(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    bus: str,
    kinds: list[type],
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
    app = make(qtbot, tmp_path, tray_wait=30.0)
    chain = pick(app.tray_host, lambda t, b: None, platform)
    assert [type(b) for b in chain.backends] == kinds
    app.stop()


def test_an_icon_on_no_tray_shows_no_balloon(qtbot: QtBot, tmp_path: Path) -> None:
    app = make(qtbot, tmp_path, tray_wait=30.0)
    assert not app.tray_host.present
    assert not TrayMessageNotifier(app.tray_host).notify("t", "b")
    app.stop()


def test_the_daemon_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with private_desktop(tray=False) as desktop:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.env["DBUS_SESSION_BUS_ADDRESS"])
        assert FreedesktopNotifier().notify("Session (5h) at 85%", "resets in 1h 10m")
        shown = desktop.notifications()
    assert [(n["appname"]["data"], n["summary"]["data"], n["body"]["data"]) for n in shown] == [
        ("ClaudeMeter", "Session (5h) at 85%", "resets in 1h 10m")
    ]


def test_without_a_daemon_it_says_so_and_the_chain_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[tuple[str, str]] = []
    with private_desktop(tray=False, notifications=False) as desktop:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.env["DBUS_SESSION_BUS_ADDRESS"])
        chain = ChainNotifier(
            FreedesktopNotifier(), BannerNotifier(lambda t, b: shown.append((t, b)))
        )
        with caplog.at_level(logging.INFO, logger="claude_meter.notify"):
            assert chain.notify("t", "b")
    assert shown == [("t", "b")]
    assert "no notification daemon accepted it" in caplog.text
    assert "notification shown by a banner in the popover: t" in caplog.text
