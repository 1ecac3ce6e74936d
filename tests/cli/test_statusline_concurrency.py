"""Twenty ``claude-meter statusline`` processes at once, with different payloads, against one
last-readings file while the tray's live meter writes to it: no corrupt read, no lost
reading, nothing but the line printed to Claude Code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from claude_meter.core.models import FetchResult, Snapshot, UsageWindow
from claude_meter.poll.live import LiveMeter
from claude_meter.readings.convert import remember
from claude_meter.readings.store import StoreUnreadable, load

RUNS = 20


def _tray_reading(percent: float) -> FetchResult:
    now = datetime.now(UTC)
    window = UsageWindow(key="seven_day_opus", label="Weekly · Opus", percent=percent)
    snapshot = Snapshot(source="web", org_uuid="tray-org", fetched_at=now, windows=(window,))
    return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))


def test_twenty_statuslines_and_the_tray_write_at_once(tmp_path: Path) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json", remember=remember)  # as the tray
    stop = threading.Event()
    problems: list[str] = []
    written: list[float] = []

    def tray() -> None:
        percent = 0.0
        while not stop.is_set():
            percent += 1
            meter.accept(_tray_reading(percent), datetime.now(UTC))
            written.append(percent)

    def reader() -> None:
        while not stop.is_set():
            try:
                load()
            except StoreUnreadable as exc:  # a half-written file would land here
                problems.append(str(exc))

    threads = [threading.Thread(target=tray), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    runs = []
    try:
        for n in range(RUNS):
            config = tmp_path / f"claude-{n}"
            config.mkdir()
            account = {"oauthAccount": {"organizationUuid": f"org-{n}"}}
            (config / ".claude.json").write_text(json.dumps(account))
            payload = {
                "rate_limits": {
                    "five_hour": {"used_percentage": n, "resets_at": int(time.time()) + 600},
                    "seven_day": {"used_percentage": 50 + n, "resets_at": int(time.time()) + 9000},
                }
            }
            env = {**os.environ, "CLAUDE_CONFIG_DIR": str(config), "NO_COLOR": "1"}
            process = subprocess.Popen(
                [sys.executable, "-m", "claude_meter", "statusline"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
            runs.append((n, process, json.dumps(payload).encode()))
        outputs = [(n, *process.communicate(payload, timeout=120)) for n, process, payload in runs]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    for n, out, err in outputs:
        assert err == b""
        assert out.decode().startswith(f"5h {n}% ")
        assert out.count(b"\n") == 1
    assert [process.returncode for _, process, _ in runs] == [0] * RUNS
    assert problems == []
    entries = {e["org_uuid"]: e for e in load()}
    for n in range(RUNS):
        assert [w["percent"] for w in entries[f"org-{n}"]["windows"]] == [n, 50 + n]
    assert written
    assert entries["tray-org"]["windows"][0]["percent"] == written[-1]  # the tray's last one
