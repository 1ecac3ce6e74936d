"""End to end: Claude Code's status line (a real ``claude-meter statusline`` process) feeds
the running tray, which shows it within 2 s and asks the fake server nothing while it is fresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchResult
from claude_meter.fake import FakeClaude
from claude_meter.poll.fetcher import Fetcher
from claude_meter.qt.app import TrayApp
from claude_meter.qt.compose import connect_statusline
from claude_meter.qt.statusline_link import StatuslineLink
from tests.conftest import TEST_OAUTH_TOKEN
from tests.support.notifier import Recorder


def test_statusline_reading_is_shown_and_the_own_poll_skipped(
    qtbot: QtBot, tmp_path: Path, fake_server: FakeClaude
) -> None:
    env = {
        "CLAUDE_METER_OAUTH_BASE_URL": fake_server.base_url,
        "CLAUDE_CODE_OAUTH_TOKEN": TEST_OAUTH_TOKEN,
    }
    fetcher = Fetcher(env)
    app = TrayApp(
        lambda: fetcher.fetch("claude-code"),
        interval=timedelta(milliseconds=200),
        floor=timedelta(milliseconds=10),
        route="claude-code",
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    polls: list[FetchResult] = []
    app.worker.polled.connect(polls.append)
    connect_statusline(app, StatuslineLink(parent=app))
    app.start()
    try:
        qtbot.waitUntil(lambda: bool(app.state.snapshots), timeout=10_000)
        (own,) = app.state.snapshots
        assert own.org_uuid is not None
        claude_dir = tmp_path / "claude"
        claude_dir.mkdir()
        (claude_dir / ".claude.json").write_text(
            json.dumps({"oauthAccount": {"organizationUuid": own.org_uuid}})
        )
        payload = {
            "rate_limits": {
                "five_hour": {"used_percentage": 97, "resets_at": int(time.time()) + 3600},
                "seven_day": {"used_percentage": 41, "resets_at": int(time.time()) + 86400},
            }
        }
        done = subprocess.run(
            [sys.executable, "-m", "claude_meter", "statusline"],
            input=json.dumps(payload).encode(),
            capture_output=True,
            env={**os.environ, "CLAUDE_CONFIG_DIR": str(claude_dir), "NO_COLOR": "1"},
            check=False,
            timeout=30,
        )
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout.startswith(b"5h 97%")
        arrived = time.monotonic()
        qtbot.waitUntil(lambda: app.shown.indicator.text == "97", timeout=2000)
        assert time.monotonic() - arrived < 2.0

        asked = len(fake_server.request_log)
        seen = len(polls)
        for poll in range(1, 6):  # five polls of the tray's own (not "Refresh now")
            app.worker.refresh_requested.emit()
            wanted = seen + poll
            qtbot.waitUntil(lambda: len(polls) >= wanted, timeout=10_000)  # noqa: B023
        assert len(fake_server.request_log) == asked
        assert {r.source for r in polls[seen:]} == {"extension"}  # the fresh readings stood in

        (shown,) = app.state.snapshots
        assert shown.source == "claude-code-statusline"
        assert shown.windows[0].percent == 97
        app.open_popover()
        origins = [row.origin.text() for row in app.popover.rows]
        assert origins[0].startswith("from Claude Code's status line, ")
    finally:
        app.stop()
