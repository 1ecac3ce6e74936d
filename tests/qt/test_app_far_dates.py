"""The tray fed a far-future reset keeps polling (issue 16, finding 1), end to end.

The whole chain is real: the tray app and its worker thread, the web client over loopback
HTTP to a server that answers ``resets_at: 9999-12-31T23:59:59Z`` once, the history and
the popover's forecasts. The server counts the polls that keep coming afterwards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.clients.web import WebClient
from claude_meter.core.models import FetchResult
from claude_meter.history import HistoryStore
from claude_meter.qt.app import TrayApp
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import TEST_SESSION_KEY
from tests.support.hostile import HostileServer, answer, hostile_server
from tests.support.notifier import Recorder

ORG = "5e1f0c2a-0000-4000-8000-000000000002"
USAGE = f"/api/organizations/{ORG}/usage"


def usage(percent: float, resets_at: str) -> list[tuple[float, bytes]]:
    report = {"five_hour": {"utilization": percent, "resets_at": resets_at}}
    return [(0.0, answer(json.dumps(report).encode()))]


def serve_claude(server: HostileServer) -> None:
    orgs = [{"uuid": ORG, "name": "Personal", "capabilities": ["chat", "claude_max"]}]
    server.routes["/api/organizations"] = [(0.0, answer(json.dumps(orgs).encode()))]
    server.routes[USAGE] = usage(37.0, "9999-12-31T23:59:59Z")
    server.script = [(0.0, answer(b"{}", status="404 Not Found"))]


def usage_polls(server: HostileServer) -> int:
    return server.requests_for(USAGE)


def test_a_fast_polling_tray_fed_one_far_future_reset_keeps_polling(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with hostile_server() as server, HistoryStore.open(tmp_path / "history.sqlite3") as history:
        serve_claude(server)
        client = WebClient(
            SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}"),
            server.base_url,
            clock=lambda: datetime.now(UTC),
        )

        def fetch() -> FetchResult:
            return client.fetch().result

        app = TrayApp(
            fetch,
            interval=timedelta(milliseconds=50),
            floor=timedelta(milliseconds=10),
            state_path=tmp_path / "state.json",
            notifier=Recorder(),
            tray_wait=30.0,
            history=history,
        )
        app.start()
        try:
            qtbot.waitUntil(lambda: usage_polls(server) >= 1, timeout=10_000)
            # One far-future reset was served; from now on an ordinary one.
            soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
            server.routes[USAGE] = usage(41.0, soon)
            after = usage_polls(server)
            qtbot.waitUntil(lambda: usage_polls(server) >= after + 5, timeout=20_000)
            qtbot.waitUntil(
                lambda: (
                    bool(app.state.snapshots) and app.state.snapshots[0].windows[0].percent == 41.0
                ),
                timeout=10_000,
            )
            assert app.insights()  # the popover's forecasts read the history with both dates
        finally:
            app.stop()
            client.close()
