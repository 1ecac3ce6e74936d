"""Show the popover with eight accounts on the real display, for a screenshot of its top line:
Personal and four calm accounts first, then Team (a weekly window at 97 %), Work (its session
expired) and Side (its reading failed) scrolled out of view.

Run as ``python -m tests.e2e.show_attention_popover [--panel]``; prints ``shown`` once it is mapped,
then what the line says as one JSON line (its text, its height and width, the popover's).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.poll.live import LiveMeter
from claude_meter.qt.popover import Popover
from claude_meter.qt.surface import PopoverKind

NOW = datetime.now(UTC).replace(microsecond=0)


def reading(key: str | None, name: str, five: float, week: float) -> FetchResult:
    windows = (
        UsageWindow(key="five_hour", label="Session (5h)", percent=five,
                    resets_at=NOW + timedelta(hours=3)),
        UsageWindow(key="seven_day", label="Weekly · all models", percent=week,
                    resets_at=NOW + timedelta(days=3)),
    )  # fmt: skip
    snapshot = Snapshot(source="web", org_uuid=f"{name}-org", org_name=f"{name}'s Max",
                        account_email=f"{name.lower()}@example.com",
                        plan="default_claude_max_5x", fetched_at=NOW, windows=windows)  # fmt: skip
    return FetchResult(source="web", fetched_at=NOW, snapshots=(snapshot,)).for_account(key)


def failed(key: str, kind: str, message: str) -> FetchResult:
    error = FetchError(kind=kind, message=message)
    return FetchResult(source="web", fetched_at=NOW, error=error, account=key)


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setDesktopFileName("claude-meter")  # sway's app_id, as the tray's
    meter = LiveMeter()
    calm = [(None, "Personal"), ("a1", "Home"), ("a2", "Lab"), ("a3", "Studio"), ("a4", "Old")]
    meter.set_accounts((*calm, ("team", "Team"), ("work", "Work"), ("side", "Side")))
    for number, (key, name) in enumerate(calm):
        meter.accept(reading(key, name, 10 + 9 * number, 20 + 7 * number), NOW)
    meter.accept(reading("team", "Team", 40, 97), NOW)
    meter.accept(reading("work", "Work", 30, 60), NOW)
    expired = "Your claude.ai session has expired: sign in again in your browser, then Refresh."
    meter.accept(failed("work", "session_expired", expired), NOW)
    offline = "claude.ai could not be reached: check the network. The last numbers are kept."
    meter.accept(failed("side", "network", offline), NOW)
    kind: PopoverKind = "panel" if "--panel" in sys.argv else "window"  # --panel: Wayland's
    popover = Popover(interval=timedelta(seconds=60), clock=lambda: NOW, kind=kind)
    popover.show_meter(meter, NOW)
    popover.show()
    QTimer.singleShot(300, lambda: report(popover))
    return app.exec()


def report(popover: Popover) -> None:
    line = popover.attention
    assert line is not None
    said = {
        "text": None if line.line is None else line.line.text,
        "visible": line.isVisible(),
        "line": [line.width(), line.height(), line.heightForWidth(line.width())],
        "spacing": line.fontMetrics().lineSpacing(),
        "popover": [popover.width(), popover.height()],
    }
    print("shown", json.dumps(said), sep="\n", flush=True)  # noqa: T201 - the driver reads it


if __name__ == "__main__":
    sys.exit(main())
