"""Show the settings window with typical content on the real display, for a screenshot.

Run as ``python -m tests.e2e.show_settings``; prints ``shown`` once the window is mapped.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from claude_meter.core.settings import Settings
from claude_meter.qt.settings_window import ProfileChoice, SettingsWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = SettingsWindow(
        Settings(source="browser", browser="firefox", profile="abc.default-release"),
        autostart=True,
        windows=[
            ("five_hour", "Session (5h)"),
            ("seven_day", "Weekly · all models"),
            ("seven_day_sonnet", "Weekly · Sonnet"),
            ("seven_day_opus", "Weekly · Opus"),
        ],
        profiles=[
            ProfileChoice("chrome", "Default", "Chrome (Default)"),
            ProfileChoice("firefox", "abc.default-release", "Firefox (abc.default-release)"),
        ],
    )
    window.show()
    window.show_test_result(True, "Connected: Personal · you@example.com.")

    def shown() -> None:
        scrolls = window.sections.verticalScrollBar().isVisible()
        print(f"shown\nscroll bar: {'yes' if scrolls else 'no'}", flush=True)  # noqa: T201 - read by the test

    QTimer.singleShot(200, shown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
