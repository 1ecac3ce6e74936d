"""The Settings window's Accounts row: every account metered, with "Add account…",
"Paste new session…" and "Remove…".

It only shows and asks: what each button does is :class:`~claude_meter.qt.account_editor.
AccountEditor`'s, with the command line's rules (``core/account_changes.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from claude_meter.core.account_changes import removable
from claude_meter.core.accounts import DEFAULT_ID

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings

NOT_IN_DEMO = "The demo shows its own accounts: add yours once it is closed."


class AccountsBox(QWidget):
    """The accounts metered (the default one first) in one row of the Connection section, a
    choice and its buttons (Paste new session… only for a pasted account), so the window
    still fits a 700 px screen; ``remove_requested``
    carries the id of the chosen one (``default`` for the default account)."""

    add_requested = Signal()
    remove_requested = Signal(str)
    paste_requested = Signal(str)  # a named pasted account's id: its new session

    def __init__(self, settings: Settings, *, demo: bool = False) -> None:
        super().__init__()
        self.setObjectName("accounts")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._removable: frozenset[str] = frozenset()
        self._pasted: set[str] = set()  # the named pasted accounts: a new session for them
        self.list = QComboBox()
        self.list.setAccessibleName("Accounts metered")
        # as wide as the row leaves it (a long name and email elided, whole in the list that
        # drops down): three buttons beside it still fit a 700 px screen
        self.list.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.list.setMinimumContentsLength(18)
        self.list.currentIndexChanged.connect(self._on_current)
        layout.addWidget(self.list, 1)
        self.add = QPushButton("A&dd account…")
        self.add.clicked.connect(self.add_requested.emit)
        self.remove = QPushButton("&Remove…")
        self.remove.clicked.connect(self._remove)
        self.paste = QPushButton("Paste &new session…")  # shown for a pasted account only
        self.paste.setToolTip("Its session expired? Paste a new one: it keeps its history.")
        self.paste.clicked.connect(self._paste)
        layout.addWidget(self.add)
        layout.addWidget(self.paste)
        layout.addWidget(self.remove)
        self._demo = demo
        if demo:
            for button in (self.add, self.remove, self.paste):
                button.setEnabled(False)
                button.setToolTip(NOT_IN_DEMO)
        self.show_accounts(settings)

    def show_accounts(self, settings: Settings) -> None:
        """One entry per account (its name and where its numbers come from); one just added
        is chosen, else the one chosen stays when it is still there, else the newest."""
        before = {self.list.itemData(n) for n in range(self.list.count())}
        kept = self.list.currentData()
        new = [a.id for a in settings.accounts if a.id not in before]
        if before and new:
            kept = new[-1]
        self.list.blockSignals(True)
        self.list.clear()
        self._removable = removable(settings)  # the rule's (the only account stays)
        self._pasted = {a.id for a in settings.accounts if a.kind == "pasted"}
        if settings.default_account or not settings.accounts:
            self.list.addItem(f"{settings.default_account_name} · default account", DEFAULT_ID)
        for account in settings.accounts:
            self.list.addItem(f"{account.name} · {_source(account)}", account.id)
        found = self.list.findData(kept)
        self.list.setCurrentIndex(found if found >= 0 else self.list.count() - 1)
        self.list.blockSignals(False)
        self._on_current()

    def _on_current(self) -> None:
        self.remove.setEnabled(not self._demo and self.list.currentData() in self._removable)
        self.paste.setVisible(self.list.currentData() in self._pasted)

    def _paste(self) -> None:
        key = self.list.currentData()
        if key in self._pasted:
            self.paste_requested.emit(str(key))

    def _remove(self) -> None:
        key = self.list.currentData()
        if key is not None:
            self.remove_requested.emit(str(key))


def _source(account: AccountRef) -> str:
    said_email = f" · {account.email}" if account.email else ""
    return account.describe() + said_email
