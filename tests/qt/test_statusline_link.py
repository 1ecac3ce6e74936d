"""The tray's watch on the last-readings file: each new status line reading handed on once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchResult
from claude_meter.qt.statusline_link import StatuslineLink
from claude_meter.readings.store import Entry, iso, record


def _entry(org: str, percent: float, at: datetime, source: str = "claude-code-statusline") -> Entry:
    return {
        "source": source,
        "org_uuid": org,
        "read_at": iso(at),
        "windows": [{"key": "five_hour", "label": "Session (5h)", "percent": percent}],
    }


def test_new_statusline_readings_are_handed_on_once(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "state" / "last-readings.json"
    now = datetime.now(UTC)
    record(
        [
            _entry("old", 10, now - timedelta(hours=1)),
            _entry("fresh", 20, now - timedelta(seconds=30)),
            _entry("web-org", 30, now, source="web"),
        ],
        now,
        path,
    )
    link = StatuslineLink(path)
    got: list[FetchResult] = []
    link.received.connect(got.append)
    link.start(now)
    assert [(r.source, r.snapshots[0].org_uuid) for r in got] == [
        ("claude-code-statusline", "fresh")
    ]
    record([_entry("old", 11, now + timedelta(seconds=1))], now, path)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    assert got[1].snapshots[0].windows[0].percent == 11
    link.check()  # nothing new
    assert len(got) == 2


def test_an_unreadable_file_hands_on_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "last-readings.json"
    path.write_text("{garbage")
    link = StatuslineLink(path)
    got: list[FetchResult] = []
    link.received.connect(got.append)
    link.start(datetime.now(UTC))
    assert got == []


def test_a_folder_that_cannot_be_made_is_said_in_words(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only home said Python's "[Errno 13] Permission denied: '...'"."""
    (tmp_path / "file").write_text("")
    link = StatuslineLink(tmp_path / "file" / "state" / "last-readings.json")
    with caplog.at_level(logging.WARNING, logger="claude_meter.tray"):
        link.start(datetime.now(UTC))
    assert (
        f"cannot watch the status line's readings ({tmp_path / 'file' / 'state'}: Not a "
        "directory): they need a folder there that you can write to"
    ) in caplog.text
    assert "[Errno" not in caplog.text


def test_readings_made_while_the_tray_was_not_running_reach_the_history_in_order(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from claude_meter.history import HistoryStore
    from claude_meter.readings.journal import append, journal_path

    path = tmp_path / "state" / "last-readings.json"
    now = datetime.now(UTC)
    for minutes, percent in ((30, 10), (20, 20), (10, 30)):  # Claude Code ran, the tray did not
        entry = _entry("org-a", percent, now - timedelta(minutes=minutes))
        record([entry], now, path)
        append(entry, path)
    history = HistoryStore.open(tmp_path / "history.sqlite3", quick_check=False)
    link = StatuslineLink(path, history=history)
    link.start(now)
    assert [r.percent for r in history.readings(now - timedelta(hours=1))] == [10, 20, 30]
    assert not journal_path(path).exists()
    history.close()


def test_each_reading_is_handed_on_as_its_accounts(qtbot: QtBot, tmp_path: Path) -> None:
    """The status line marked each reading with the account of its Claude Code folder; the
    tray gets it as that account's result (``FetchResult.account``), the meter's dispatch."""
    path = tmp_path / "state" / "last-readings.json"
    now = datetime.now(UTC)
    work = {**_entry("org-w", 40, now), "account": "work"}
    default = {**_entry("org-d", 50, now), "account": None}
    forged = {**_entry("org-x", 60, now), "account": "NOT AN ID"}
    record([work, default, forged], now, path)
    link = StatuslineLink(path)
    got: list[FetchResult] = []
    link.received.connect(got.append)
    link.start(now)
    by_org = {r.snapshots[0].org_uuid: r for r in got}
    assert {org: r.account for org, r in by_org.items()} == {
        "org-w": "work",
        "org-d": None,
        "org-x": None,  # not an account id: the default account's, as before accounts
    }
    assert all(r.snapshots[0].account == r.account for r in got)
