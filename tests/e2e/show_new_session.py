"""Show the settings window with a pasted account chosen and its Paste new session dialog over
it, on the real display, for a screenshot; ``--other-email`` shows it after a session of
another email was pasted (the problem in red, "Use it anyway" to tick).

Run as ``python -m tests.e2e.show_new_session``; prints ``shown`` once both are mapped.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings
from claude_meter.qt.new_session import NewSessionDialog
from claude_meter.qt.settings_window import SettingsWindow

WORK = AccountRef(id="work", name="Work", kind="pasted", email="ada.lovelace@initech.example")


def main() -> int:
    app = QApplication(sys.argv[:1])
    settings = Settings(default_account_name="Personal", accounts=(WORK,))
    window = SettingsWindow(settings, autostart=False, windows=[("five_hour", "Session (5h)")])
    window.show()
    dialog = NewSessionDialog(WORK, window)
    dialog.session.setText("sessionKey=not-shown")
    if "--other-email" in sys.argv:
        dialog.ask_other_email(
            "That session is signed in as ada@example.com, not ada.lovelace@initech.example "
            "(Work's); nothing was changed. Paste a session of ada.lovelace@initech.example, or "
            "add that one as an account of its own.",
            "ada@example.com",
        )
    dialog.open()

    def shown() -> None:
        print("shown", flush=True)  # noqa: T201 - read by the test

    QTimer.singleShot(300, shown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
