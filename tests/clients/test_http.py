"""The shared HTTP client of both clients: its guard rails (more in test_web.py and
test_hostile_answers.py, against real servers)."""

from __future__ import annotations

import httpx

from claude_meter.clients.http import make_http_client


def test_redirects_are_not_followed() -> None:
    client = make_http_client("http://127.0.0.1:1")
    try:
        assert client.follow_redirects is False
        assert isinstance(client.timeout, httpx.Timeout)
        assert client.timeout.connect is not None
    finally:
        client.close()
