"""The busy action and the problem line the Add account and Paste new session dialogs share."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout
from pytestqt.qtbot import QtBot

from claude_meter.qt.dialog_answer import Answering, problem_line


class Storing(Answering, QDialog):
    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.problem = problem_line()
        self.action = QPushButton("S&tore")
        self.action_words = ("S&tore", "Storing…")
        layout.addWidget(self.problem)
        layout.addWidget(self.action)


def test_busy_then_a_problem_lets_the_action_be_pressed_again(qtbot: QtBot) -> None:
    dialog = Storing()
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.problem.isVisible()
    dialog.busy(True)
    assert (dialog.action.isEnabled(), dialog.action.text()) == (False, "Storing…")
    dialog.show_problem("No keyring.")
    assert (dialog.action.isEnabled(), dialog.action.text()) == (True, "S&tore")
    assert (dialog.problem.isVisible(), dialog.problem.text()) == (True, "No keyring.")
    assert dialog.problem.wordWrap()
    dialog.show_problem(None)
    assert (dialog.problem.isVisible(), dialog.problem.text()) == (False, "")
