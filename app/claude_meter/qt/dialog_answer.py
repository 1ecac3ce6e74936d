"""What a dialog that stores a pasted session says back while and after it works: the Add
account dialog (``qt/add_account.py``) and the Paste new session one (``qt/new_session.py``).

Both have one action button, busy ("Adding…", "Storing…") while the keyring and the network
answer, so nothing is pressed twice, and a red line under their fields saying why it was not
done: the dialog stays open and nothing typed is lost. :class:`Answering` is that pair, once.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

PASTE_FIRST = (
    "Paste the session first: the Cookie header of a claude.ai request, or just the "
    "sessionKey value."
)


def problem_line() -> QLabel:
    """The red line saying why the action was not done (hidden until there is a why)."""
    line = QLabel()
    line.setObjectName("problem")
    line.setWordWrap(True)
    line.setStyleSheet("color: #d93a30;")
    line.setVisible(False)
    return line


class Answering:
    """A dialog's busy action and its problem line; the dialog sets ``problem``
    (:func:`problem_line`), ``action`` and ``action_words`` (the button's text idle, busy)."""

    problem: QLabel
    action: QPushButton
    action_words: tuple[str, str]

    def busy(self, on: bool) -> None:
        """While it is stored (and saved): nothing to press twice."""
        self.action.setEnabled(not on)
        self.action.setText(self.action_words[1] if on else self.action_words[0])

    def show_problem(self, text: str | None) -> None:
        """Why it was not done (None: no problem); the button can be pressed again."""
        self.busy(False)
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))
