"""The Add account dialog alone: what it offers while looking and after, the name it offers
(never over the person's own), and what it hands on (a pasted session never in its text)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings
from claude_meter.qt.add_account import LOOKING, PASTE_LABEL, AddAccountDialog, AddChoice
from claude_meter.sources.discovery import Found

CODE = Found("claude-code", "Claude Code (~/.claude)")
BROWSER = Found("browser", "Firefox (work)", browser="firefox", profile="work", email="a@b.c")


def dialog(qtbot: QtBot, settings: Settings | None = None) -> AddAccountDialog:
    made = AddAccountDialog(settings or Settings())
    qtbot.addWidget(made)
    made.show()
    return made


def texts(made: AddAccountDialog) -> list[str]:
    return [made.choices.item(n).text() for n in range(made.choices.count())]


def test_paste_is_offered_while_looking_and_the_found_ones_after(qtbot: QtBot) -> None:
    made = dialog(qtbot)
    assert texts(made) == [PASTE_LABEL]
    assert made.looking.text() == LOOKING
    assert made.session.isVisible()
    made.set_found([BROWSER, CODE])
    assert texts(made) == ["Firefox (work) · a@b.c", "Claude Code (~/.claude)", PASTE_LABEL]
    assert not made.looking.isVisible()
    assert made.choices.currentRow() == 0
    assert made.name.text() == "a@b.c"  # its email, as `sources --add` names it
    assert not made.session.isVisible()
    made.set_found([])
    assert made.looking.text().startswith("No other sign-in was found")


def test_the_offered_name_is_unique_and_never_replaces_a_typed_one(qtbot: QtBot) -> None:
    taken = AccountRef(id="code", name="Claude Code", kind="claude-code")
    made = dialog(qtbot, Settings(accounts=(taken,)))
    made.set_found([CODE])
    assert made.name.text() == "Claude Code 2"
    made.name.setText("Mine")
    made.choices.setCurrentRow(1)
    assert made.name.text() == "Mine"


def test_what_is_handed_on(qtbot: QtBot) -> None:
    made = dialog(qtbot)
    chosen: list[AddChoice] = []
    made.chosen.connect(chosen.append)
    made.set_found([CODE])
    made.add.click()
    assert chosen == [AddChoice("Claude Code", CODE)]
    made.choices.setCurrentRow(1)
    made.add.click()  # Paste, with nothing pasted: said, not handed on
    assert len(chosen) == 1
    assert made.problem.text().startswith("Paste the session first")
    made.session.setText("sessionKey=sk-ant-sid01-secret")
    made.add.click()
    assert chosen[-1].found is None
    assert "secret" not in repr(chosen[-1])
    made.busy(True)
    assert not made.add.isEnabled()
    made.show_problem("Try again.")
    assert made.add.isEnabled()


def test_a_session_pasted_while_looking_stays_the_choice(qtbot: QtBot) -> None:
    """The look ends while the person pastes: Paste stays chosen, nothing typed is hidden."""
    made = dialog(qtbot)
    made.session.setText("sessionKey=sk-ant-sid01-typed")
    made.set_found([BROWSER])
    assert made.choices.currentItem().text() == PASTE_LABEL
    assert made.session.isVisible()
