"""Which transport carries a claude.ai request (:mod:`claude_meter.clients.web_transport`)."""

from __future__ import annotations

import pytest

from claude_meter.clients.web_transport import network_of, transport_mode
from claude_meter.core.errors import ConfigurationError


def test_transport_mode_from_the_environment() -> None:
    assert transport_mode({}) == "auto"
    assert transport_mode({"CLAUDE_METER_TRANSPORT": "Browser"}) == "browser"
    with pytest.raises(ConfigurationError, match="one of auto, browser, httpx"):
        transport_mode({"CLAUDE_METER_TRANSPORT": "chrome"})


def test_the_network_is_the_local_address_toward_the_server() -> None:
    assert network_of("https://127.0.0.1:8443") == "127.0.0.1"
    assert network_of("https://[::1]:8443") == "::1"
    assert network_of("https://no-such-host.invalid") == ""
