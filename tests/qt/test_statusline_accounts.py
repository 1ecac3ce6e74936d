"""End to end: a status line reading is its Claude Code folder's account's, and skips only that
account's own poll, never another's, even when both accounts are members of one organization.

The tray meters the default account and a named Claude Code account ("Work", its own
``CLAUDE_CONFIG_DIR``), both in the Team organization ``team``. A real ``claude-meter
statusline`` process, run as Claude Code runs it in Work's folder, writes its reading; the
tray shows it in Work's section, and while it is fresh Work's own polls stand down while the
default account's go on. Then one in the default folder covers the default account too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.core.accounts import AccountRef
from claude_meter.core.models import FetchResult, Snapshot, UsageWindow
from claude_meter.core.settings import Settings, save_settings
from claude_meter.qt.app import TrayApp
from claude_meter.qt.compose import connect_statusline
from claude_meter.qt.statusline_link import StatuslineLink
from tests.support.notifier import Recorder

TEAM = "team-org"


def reading(percent: float) -> FetchResult:
    now = datetime.now(UTC)
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=None)
    snapshot = Snapshot(
        source="web", org_uuid=TEAM, org_name="Team", fetched_at=now, windows=(window,)
    )
    return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))


class Polls:
    """Each account's own polls, counted; each answers its own numbers."""

    def __init__(self, percents: dict[str | None, float]) -> None:
        self.percents = percents
        self.calls: dict[str | None, int] = dict.fromkeys(percents, 0)

    def fetch(self, account: str | None) -> Callable[[], FetchResult]:
        def poll() -> FetchResult:
            self.calls[account] += 1
            return reading(self.percents[account]).for_account(account)

        return poll


def statusline(percent: float, config_dir: Path | None) -> bytes:
    """``claude-meter statusline`` as Claude Code runs it (in ``config_dir``, else the
    default folder); its line."""
    payload = {
        "rate_limits": {
            "five_hour": {"used_percentage": percent, "resets_at": int(time.time()) + 3600},
            "seven_day": {"used_percentage": 10, "resets_at": int(time.time()) + 86400},
        }
    }
    env = {k: v for k, v in os.environ.items() if k != "CLAUDE_CONFIG_DIR"}
    if config_dir is not None:
        env["CLAUDE_CONFIG_DIR"] = str(config_dir)
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "statusline", "--format", "{session}"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        env={**env, "NO_COLOR": "1"},
        check=False,
        timeout=30,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    return done.stdout


def five_hour(app: TrayApp, account: str | None) -> float | None:
    state = next(a.state for a in app.meter.accounts() if a.key == account)
    if not state.snapshots:
        return None
    return state.snapshots[0].windows[0].percent


def test_a_reading_skips_only_its_own_accounts_poll(qtbot: QtBot, tmp_path: Path) -> None:
    work_dir = tmp_path / "work-claude"
    work_dir.mkdir()
    claude_json = {"oauthAccount": {"organizationUuid": TEAM}}
    (work_dir / ".claude.json").write_text(json.dumps(claude_json))
    (Path.home() / ".claude.json").write_text(json.dumps(claude_json))
    work = AccountRef(id="work", name="Work", kind="claude-code", config_dir=str(work_dir))
    settings = Settings(accounts=(work,))
    save_settings(settings)  # what the status line process reads to find its account

    polls = Polls({None: 20.0, "work": 30.0})
    app = TrayApp(
        polls.fetch(None),
        interval=timedelta(milliseconds=40),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.account_fetch = polls.fetch
    app.interval_fixed = True
    app.apply_settings(settings)
    connect_statusline(app, StatuslineLink(parent=app))
    app.start()
    try:
        qtbot.waitUntil(lambda: min(polls.calls.values()) >= 2, timeout=10_000)
        assert statusline(97, work_dir) == b"97%\n"
        qtbot.waitUntil(lambda: five_hour(app, "work") == 97, timeout=5000)
        assert five_hour(app, None) == 20  # the default account's numbers are its own

        work_calls, default_calls = polls.calls["work"], polls.calls[None]
        qtbot.waitUntil(lambda: polls.calls[None] >= default_calls + 5, timeout=10_000)
        assert polls.calls["work"] <= work_calls + 1  # at most the poll already in flight
        assert five_hour(app, "work") == 97  # its skipped polls handed the fresh reading back

        assert statusline(88, None) == b"88%\n"  # Claude Code in the default ~/.claude
        qtbot.waitUntil(lambda: five_hour(app, None) == 88, timeout=5000)
        default_calls = polls.calls[None]
        qtbot.wait(400)  # about ten poll intervals
        assert polls.calls[None] <= default_calls + 1
        assert five_hour(app, "work") == 97
    finally:
        app.stop()
