""" "Refresh now" on the Claude Code route during a rate-limit hold: one request, not more.

The worker polls a real :class:`ClaudeCodeClient` against the fake server's ``rate-limited``
scenario (``Retry-After: 0``, as the real endpoint's small bucket answers), with the hold kept
in a real file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.clients.oauth import ClaudeCodeClient
from claude_meter.core.models import FetchResult
from claude_meter.core.oauth_hold import HoldStore
from claude_meter.core.secret import Secret
from claude_meter.fake import FakeClaude
from claude_meter.sources.claude_code import ClaudeCodeCredentials
from tests.conftest import TEST_OAUTH_TOKEN
from tests.qt.support import WorkerOnThread


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude("rate-limited", oauth_token=TEST_OAUTH_TOKEN, retry_after="0") as s:
        yield s


def usage_requests(server: FakeClaude) -> int:
    return sum(r.path == "/api/oauth/usage" for r in server.request_log)


def test_refresh_now_passes_the_hold_once(qtbot: QtBot, server: FakeClaude, tmp_path: Path) -> None:
    holds = tmp_path / "holds.json"
    token = ClaudeCodeCredentials(access_token=Secret(TEST_OAUTH_TOKEN), origin="test")

    def fetch() -> FetchResult:
        now = lambda: datetime.now(UTC)  # noqa: E731
        with ClaudeCodeClient(token, server.base_url, clock=now, holds=HoldStore(holds)) as c:
            return c.fetch()

    harness = WorkerOnThread(
        qtbot, fetch, route="claude-code", allow_once=HoldStore(holds).allow_once
    )
    harness.thread.start()
    first = harness.next_result()
    assert first.error is not None
    assert first.error.kind == "rate_limited"
    assert first.error.retry_at is not None
    assert first.error.retry_at > datetime.now(UTC) + timedelta(seconds=60)  # the ladder's 75 s

    harness.worker.refresh_requested.emit()  # popover opened: the hold stands
    qtbot.wait(300)  # a negative check: nothing may be sent within this time
    assert harness.calls == 1

    harness.worker.override_requested.emit()  # the person pressed Refresh now
    harness.worker.refresh_requested.emit()
    second = harness.next_result()
    assert usage_requests(server) == 2
    assert second.error is not None
    assert second.error.kind == "rate_limited"

    harness.worker.override_requested.emit()  # and again: the override is spent
    harness.worker.refresh_requested.emit()
    qtbot.wait(300)
    assert harness.calls == 2
    assert usage_requests(server) == 2
    harness.stop()
