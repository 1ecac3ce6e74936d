"""Fixtures of the fake server's tests (the helpers are in ``support.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from claude_meter.fake import FakeClaude
from tests.fake.support import NOW, ManualClock


@pytest.fixture
def no_leftover_threads() -> Iterator[None]:
    """Every server a test started has stopped (used by test_server.py and test_scenarios.py)."""
    yield
    alive = [t.name for t in threading.enumerate() if t.name.startswith("fake-claude")]
    assert alive == []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[FakeClaude]:
    scenario = getattr(request, "param", "normal")
    with FakeClaude(scenario, clock=clock, now=lambda: NOW, seed=7) as server:
        yield server
