"""Show the popover with three accounts on the real display, for a screenshot: the default
account signed out (no numbers), Work read 12 s ago, Side's session expired over its last
numbers (one collapsed, with ``--collapsed``).

Run as ``python -m tests.e2e.show_accounts_popover``; prints ``shown`` once it is mapped, then
what it shows as one JSON line (the top banner, each account's problem, the footer's age).
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

NOW = datetime.now(UTC).replace(microsecond=0)


def reading(key: str, name: str, email: str, at: datetime, *percents: float) -> FetchResult:
    windows = tuple(
        UsageWindow(key=k, label=label, percent=p, resets_at=NOW + timedelta(hours=3))
        for (k, label), p in zip(
            (("five_hour", "Session (5h)"), ("seven_day", "Weekly · all models")),
            percents,
            strict=False,
        )
    )
    snapshot = Snapshot(source="web", org_uuid=f"{key}-org", org_name=f"{name} org",
                        account_email=email, plan="default_claude_max_5x", fetched_at=at,
                        windows=windows)  # fmt: skip
    return FetchResult(source="web", fetched_at=at, snapshots=(snapshot,)).for_account(key)


def main() -> int:
    app = QApplication(sys.argv[:1])
    meter = LiveMeter()
    meter.set_accounts(((None, "Default"), ("work", "Work"), ("side", "Side")))
    signed_out = FetchError(
        kind="not_signed_in",
        message="No sign-in of its own: Chromium (Profile 2) is Work's. "
        "Give it one with Settings… (Paste session…, or another source or browser profile), "
        "or stop metering it with the command `claude-meter accounts remove` and its name.",
    )
    meter.accept(FetchResult(source="web", fetched_at=NOW, error=signed_out), NOW)
    meter.accept(reading("work", "Initech", "ada@initech.example", NOW, 58, 43), NOW)
    earlier = NOW - timedelta(minutes=2)
    meter.accept(reading("side", "Side", "ada@side.example", earlier, 21, 34), earlier)
    expired = FetchError(
        kind="session_expired",
        message="Your claude.ai session has expired: sign in again in your browser, "
        "then press Refresh.",
    )
    meter.accept(FetchResult(source="web", fetched_at=NOW, error=expired, account="side"), NOW)
    popover = Popover(interval=timedelta(seconds=60), clock=lambda: NOW + timedelta(seconds=12),
                      as_window=True)  # fmt: skip
    if "--collapsed" in sys.argv:
        popover.collapsed = {"side"}
    popover.show_meter(meter, NOW)
    popover.show()
    QTimer.singleShot(300, lambda: report(popover))
    return app.exec()


def report(popover: Popover) -> None:
    assert popover.sections is not None
    said = {
        "banner": popover.banner.isVisible(),
        "problems": [
            s.problem.text() if s.problem.isVisible() else None for s in popover.sections.sections
        ],
        "updated": popover.updated.text(),
    }
    print("shown", json.dumps(said), sep="\n", flush=True)  # noqa: T201 - the driver reads it


if __name__ == "__main__":
    sys.exit(main())
