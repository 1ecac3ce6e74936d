"""The bridge on an ephemeral port, with a hand-moved clock and a list of accepted results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claude_meter.bridge import BridgeServer, Pairing
from claude_meter.core.models import FetchResult
from tests.bridge.support import EXTENSION, Bridge, Clock


@pytest.fixture
def bridge() -> Iterator[Bridge]:
    clock = Clock()
    pairing = Pairing(clock=clock)
    results: list[FetchResult] = []
    server = BridgeServer(pairing, results.append, port=0, clock=clock).start()
    try:
        yield Bridge(server, pairing, clock, results)
    finally:
        server.stop()


@pytest.fixture
def token(bridge: Bridge) -> str:
    """A paired extension's token (the pairing window opened and closed again)."""
    bridge.pairing.open_window()
    token = bridge.pair(EXTENSION)
    bridge.pairing.close_window()
    return token
