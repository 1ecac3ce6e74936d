"""The first-run window offering the accounts found on this computer: real browser profiles
in a temporary home, the looking on its own thread, the ticked ones added to the settings."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.core.settings import Settings, load_settings
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, THIRD_ACCOUNT, WORK_ACCOUNT
from claude_meter.qt.first_run import FirstRunWindow
from claude_meter.qt.found_accounts import FoundAccounts
from tests.qt.test_first_run import prefs_for
from tests.sources.profiles import chromium_profile


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def signed_in(home: Path, profile: str, key: str, display: str | None = None) -> None:
    chromium_profile(home / ".config/chromium", profile, {"sessionKey": key}, display=display)


def test_found_accounts_are_offered_and_the_ticked_ones_added(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    signed_in(home, "Default", PERSONAL_ACCOUNT.session_key)
    signed_in(home, "Profile 2", WORK_ACCOUNT.session_key, display="Work")
    (home / ".claude").mkdir(parents=True)
    (home / ".claude/.credentials.json").write_text(json.dumps({"claudeAiOauth": {
        "accessToken": THIRD_ACCOUNT.oauth_token, "expiresAt": 4102444800000,
    }}))  # fmt: skip
    prefs = prefs_for(tmp_path)
    refreshed: list[bool] = []
    prefs.refresh_requested.connect(lambda: refreshed.append(True))
    window = prefs.show_first_run("No claude.ai session was found.")
    qtbot.waitUntil(lambda: len(window.found) == 3)
    assert window.found_box.isVisible()
    assert [box.text() for box in window.found] == [
        "Chromium (Default)", "Chromium (Profile 2, “Work”)", "Claude Code (~/.claude)",
    ]  # fmt: skip
    assert all(box.isChecked() for box in window.found)
    window.found[0].setChecked(False)
    window.add_button.click()
    saved = load_settings(tmp_path / "settings.json").settings
    assert [(a.name, a.kind, a.profile) for a in saved.accounts] == [
        ("Chromium Work", "browser", "Profile 2"),
        ("Claude Code", "claude-code", None),
    ]
    assert saved.default_account is False  # it found nothing; `login` meters it again
    assert prefs.settings == saved
    assert refreshed
    assert not window.isVisible()
    text = (tmp_path / "settings.json").read_text()
    for account in (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT):
        assert account.session_key not in text
        assert account.oauth_token not in text
    prefs.close()


def test_nothing_found_shows_no_list_and_nothing_ticked_adds_nothing(
    qtbot: QtBot, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = FirstRunWindow("No claude.ai session was found.")
    qtbot.addWidget(window)
    offered: list[list[str]] = []
    shown = window.set_found

    def set_found(labels: list[str]) -> None:
        offered.append(labels)
        shown(labels)

    monkeypatch.setattr(window, "set_found", set_found)
    offer = FoundAccounts()
    added: list[object] = []
    offer.chosen.connect(added.append)
    offer.look(window, {}, Settings())
    qtbot.waitUntil(lambda: offered == [[]])
    assert not window.found_box.isVisible()
    window.show()
    window.set_found(["A", "B"])
    assert window.height() >= window.sizeHint().height()  # grown to fit: no word clipped
    for box in window.found:
        box.setChecked(False)
    assert not window.add_button.isEnabled()
    offer.add([])
    assert window.detail.text() == "No account was added: nothing was ticked."
    assert added == []


def test_adding_the_found_accounts_avoids_the_ids_only_the_history_holds(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    """As ``sources --add`` and ``accounts add`` do: readings of a ``chromium-work`` removed
    by hand from the file are not given to the new account."""
    signed_in(home, "Profile 2", WORK_ACCOUNT.session_key, display="Work")
    prefs = prefs_for(tmp_path)
    prefs.history_ids = lambda: ("chromium-work",)
    window = prefs.show_first_run("No claude.ai session was found.")
    qtbot.waitUntil(lambda: len(window.found) == 1)
    window.add_button.click()
    saved = load_settings(tmp_path / "settings.json").settings
    assert [(a.id, a.name) for a in saved.accounts] == [("chromium-work-2", "Chromium Work")]
    prefs.close()


def test_a_look_answered_after_its_dialog_was_deleted_tells_no_one(
    qtbot: QtBot, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Add account dialog (the look's parent) closed while the browsers were read: the
    answer finds a deleted object and is dropped, with no error on the looking thread."""
    from shiboken6 import delete

    from claude_meter.sources import discovery

    reading, done = threading.Event(), threading.Event()

    def slow_scan(*args: object, **kwargs: object) -> list[object]:
        reading.set()
        done.wait(10)
        return []

    failures: list[BaseException | None] = []
    monkeypatch.setattr(discovery, "scan", slow_scan)
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    look = FoundAccounts()  # held here, as a lambda or a window may hold it
    look.look_for({}, Settings())
    assert reading.wait(10)
    [thread] = [t for t in threading.enumerate() if t.name == "claude-meter-discover"]
    delete(look)  # its parent dialog went (WA_DeleteOnClose)
    done.set()
    thread.join(10)
    assert not thread.is_alive()
    assert failures == []
