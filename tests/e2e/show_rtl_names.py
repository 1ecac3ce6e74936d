"""Show an account with an Arabic name in the tray icon's tooltip and in notifications, for
screenshots of how a host draws them (``core/bidi.py``).

Run as ``python -m tests.e2e.show_rtl_names tray [as it is]`` (an icon whose tooltip lists
Personal and ``حساب العمل``, as the tray sends it or with the names as they are; prints
``shown`` once it is up, then runs until killed) or ``... notify [HOW...]``
(notifications for the same crossing: the name ``as it is``, ``isolated``, and ``as sent``
by the tray, isolated with the line marked left to right; all three unless named; prints
``sent``).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from claude_meter.core.account_view import AccountState, accounts_tooltip, named_title
from claude_meter.core.bidi import isolated, plain
from claude_meter.core.grades import GRADES
from claude_meter.core.meter import MeterState
from claude_meter.core.models import Snapshot, UsageWindow
from claude_meter.core.presentation import Choice

NAME = "حساب العمل"  # "work account"
TITLE = "Session (5h) at 85%"
NOW = datetime.now(UTC).replace(microsecond=0)


def account(key: str | None, name: str, percent: float) -> AccountState:
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=None)
    snapshot = Snapshot(source="web", account=key, org_uuid="org", org_name="Org",
                        plan="claude_max", fetched_at=NOW, windows=(window,))  # fmt: skip
    return AccountState(key, name, MeterState(snapshots=(snapshot,), last_success=NOW))


def tooltip() -> str:
    rtl = account("rtl", NAME, 85)
    return accounts_tooltip((account(None, "Personal", 40), rtl), rtl, Choice())


#: The title of the same crossing, three ways.
TITLES = {
    "as it is": f"{NAME}: {TITLE}",
    "isolated": f"{isolated(NAME)}: {TITLE}",
    "as sent": named_title(TITLE, NAME),
}


def notify(*which: str) -> None:
    from claude_meter.qt.notifier import FreedesktopNotifier

    notifier = FreedesktopNotifier(timeout_ms=0)
    for how in which or TITLES:
        body = f"Claude usage ({isolated(NAME)} · Org) passed 80% [{how}]"
        assert notifier.notify(TITLES[how], body)
    print("sent", flush=True)  # noqa: T201 - the driver reads it


def tray(how: str = "as sent") -> None:
    from PySide6.QtGui import QColor, QIcon, QPixmap
    from PySide6.QtWidgets import QApplication, QMenu

    from claude_meter.qt.tray_host import TrayHost

    app = QApplication(sys.argv)
    app.setApplicationName("claude-meter")  # the window name the tests find the icon by
    host = TrayHost(QMenu(), wait=30.0)
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor(GRADES[0].rgb))  # a grade's colour: what the tests find the icon by
    host.set_icon(QIcon(pixmap))
    host.set_tooltip(tooltip() if how == "as sent" else plain(tooltip()))
    host.found.connect(lambda: print("shown", flush=True))  # noqa: T201 - the driver reads it
    host.start()
    app.exec()


if __name__ == "__main__":
    if sys.argv[1] == "tray":
        tray(*sys.argv[2:])
    else:
        notify(*sys.argv[2:])
