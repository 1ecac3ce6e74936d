"""Show the settings window with two accounts and its Add account dialog over it, with the
sign-ins found on this computer, on the real display, for a screenshot.

Run as ``python -m tests.e2e.show_add_account``; prints ``shown`` once both are mapped.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings
from claude_meter.qt.add_account import AddAccountDialog
from claude_meter.qt.settings_window import SettingsWindow
from claude_meter.sources.discovery import Found

WORK = AccountRef(id="work", name="Work", kind="pasted", email="ada@initech.example")
FOUND = [
    Found(
        "browser",
        "Chromium (Profile 2, “Side”)",
        browser="chromium",
        profile="Profile 2",
        display="Side",
    ),
    Found("claude-code", "Claude Code (~/.claude)"),
]


def main() -> int:
    app = QApplication(sys.argv[:1])
    settings = Settings(default_account_name="Personal", accounts=(WORK,))
    window = SettingsWindow(settings, autostart=False, windows=[("five_hour", "Session (5h)")])
    window.show()
    dialog = AddAccountDialog(settings, window)
    dialog.set_found(FOUND)
    if "--paste" in sys.argv:
        dialog.choices.setCurrentRow(len(FOUND))
        dialog.session.setText("sessionKey=not-shown")
        dialog.show_problem(
            "Side was not added: no usable keyring was found (no keyring backend is "
            "available), and a pasted session is kept only there, never in a file."
        )
    dialog.open()

    def shown() -> None:
        print("shown", flush=True)  # noqa: T201 - read by the test

    QTimer.singleShot(300, shown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
