"""The endings of a refusal for now: the tray's by default, a one-shot command's inside
:func:`one_shot` (the command line's ``main``), and the tray's again after it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from claude_meter.core import retry_words

NOW = datetime(2026, 12, 6, 9, 0).astimezone()


def test_the_tray_is_told_it_will_try_again_itself() -> None:
    assert retry_words.audience() == "tray"
    assert retry_words.again() == "The last numbers are kept; ClaudeMeter will try again."
    assert retry_words.again_later() == "ClaudeMeter will try again later."
    at = NOW + timedelta(minutes=20)
    assert retry_words.again_at(at, NOW) == "ClaudeMeter will try again at 09:20."
    assert retry_words.again_at(None, NOW) == "ClaudeMeter will back off and try again."
    assert retry_words.then_refresh() == "then refresh."


def test_a_command_is_told_what_to_do_and_the_tray_s_words_come_back() -> None:
    with retry_words.one_shot():
        assert retry_words.again() == "Try again in a minute."
        assert retry_words.again_later() == "Try again later."
        assert retry_words.again_after_check() == (
            "Check your internet connection, then try again."
        )
        at = NOW + timedelta(minutes=20)
        assert retry_words.again_at(at, NOW) == "it asks to wait until 09:20: try again then."
        assert retry_words.again_at(None, NOW) == "wait a few minutes, then try again."
        assert retry_words.then_refresh() == "then run the command again."
    assert retry_words.audience() == "tray"
    assert "ClaudeMeter will" in retry_words.again_after_check()


def test_a_command_told_to_wait_past_today_is_given_the_day() -> None:
    tomorrow = (NOW + timedelta(days=1)).replace(hour=3, minute=5)
    with retry_words.one_shot():
        told = retry_words.again_at(tomorrow, NOW)
    assert told == f"it asks to wait until {tomorrow.strftime('%a')} 03:05: try again then."


def test_the_tray_told_to_wait_past_today_is_given_the_day() -> None:
    tomorrow = (NOW + timedelta(days=1)).replace(hour=3, minute=5)
    told = retry_words.again_at(tomorrow, NOW)
    assert told == f"ClaudeMeter will try again at {tomorrow.strftime('%a')} 03:05."


def test_a_command_s_worker_threads_speak_its_words() -> None:
    heard: list[str] = []
    with retry_words.one_shot():
        worker = threading.Thread(target=lambda: heard.append(retry_words.again()))
        worker.start()
        worker.join(5)
    assert heard == ["Try again in a minute."]


def test_the_tray_started_from_a_command_line_speaks_the_tray_s_words() -> None:
    with retry_words.one_shot(), retry_words.speaking_to("tray"):
        assert retry_words.again().startswith("The last numbers are kept")
