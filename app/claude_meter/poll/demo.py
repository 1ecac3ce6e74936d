"""The demo, set up in one place: a fake claude.ai on loopback and the environment that
points both routes at it (``status --demo``, the tray's ``--demo``, and "Try the demo" in the
first-run window all start it here), plus a plausible past for a throwaway history."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from claude_meter.core.errors import ConfigurationError
from claude_meter.sources.cookies import COOKIE_ENV

if TYPE_CHECKING:
    from types import TracebackType

    from claude_meter.core.models import FetchResult, Snapshot
    from claude_meter.fake.server import FakeClaude
    from claude_meter.history import HistoryStore

DEFAULT_SCENARIO = "rising"


@dataclass
class Demo:
    """A running fake claude.ai and the environment that reaches it; stop it when done.

    ``history`` is a throwaway one (a demo never writes into the person's own), made by
    :meth:`open_history`.
    """

    server: FakeClaude
    env: Mapping[str, str]
    history: HistoryStore | None = None
    _folder: tempfile.TemporaryDirectory[str] | None = None

    def open_history(self) -> HistoryStore:
        """A history in a temporary folder, removed at :meth:`stop`."""
        from claude_meter.history import HistoryStore

        if self.history is None:
            self._folder = tempfile.TemporaryDirectory(prefix="claude-meter-demo-")
            path = Path(self._folder.name) / "history.sqlite3"
            self.history = HistoryStore.open(path, quick_check=False)
        return self.history

    def stop(self) -> None:
        self.server.stop()
        if self.history is not None:
            self.history.close()
        if self._folder is not None:
            self._folder.cleanup()

    def __enter__(self) -> Demo:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def start_demo(scenario: str = DEFAULT_SCENARIO, *, speed: float = 1.0) -> Demo:
    """Start the fake claude.ai in ``scenario``; its clock runs ``speed`` times as fast.

    An unknown scenario is a :class:`ConfigurationError` naming the ones there are.
    """
    from claude_meter.fake import DEFAULT_SESSION_KEY, SCENARIOS, FakeClaude

    if scenario not in SCENARIOS:
        raise ConfigurationError(
            f"unknown demo scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}"
        )
    if speed == 1.0:
        server = FakeClaude(scenario).start()
    else:
        started = time.monotonic()
        server = FakeClaude(
            scenario, clock=lambda: started + (time.monotonic() - started) * speed
        ).start()
    env = {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        COOKIE_ENV: f"sessionKey={DEFAULT_SESSION_KEY}",
    }
    return Demo(server, env)


#: The demo's made-up past: 90 days (the history's retention), a reading an hour, and the last
#: 8 days every 10 minutes (about 3,100 readings, under a second to store).
SEED_DAYS = 90
SEED_STEP = timedelta(hours=1)
RECENT_DAYS = 8
RECENT_STEP = timedelta(minutes=10)


def seed_history(history: HistoryStore, result: FetchResult, now: datetime) -> None:
    """Give the demo's throwaway history a plausible past, so forecasts, the History window's
    resets and walls, and the year's calendar show at once (see ``poll/demo_history.py``)."""
    from claude_meter.poll.demo_history import past_snapshots

    recent = now - timedelta(days=RECENT_DAYS)
    pasts: list[Snapshot] = []
    for snapshot in result.snapshots:
        pasts += past_snapshots(snapshot, now, days=SEED_DAYS, step=SEED_STEP, until=recent)
        pasts += past_snapshots(snapshot, now, days=RECENT_DAYS, step=RECENT_STEP)
    history.record_many(pasts)  # in this order, in one transaction: ~3,100 rows, one commit
