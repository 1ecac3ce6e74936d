"""Secrets go only to claude.ai / api.anthropic.com; overrides only to loopback."""

from __future__ import annotations

import pytest

from claude_meter.core.endpoints import (
    OAUTH_BASE_URL,
    WEB_BASE_URL,
    is_loopback_url,
    oauth_base_url,
    web_base_url,
)
from claude_meter.core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8080", True),
        ("https://127.0.0.1", True),
        ("http://localhost:1234/", True),
        ("http://[::1]:9000", True),
        ("http://127.0.0.2:80", True),
        ("https://claude.ai", False),
        ("http://evil.example", False),
        ("http://127.0.0.1.evil.example", False),
        ("http://localhost.evil.example", False),
        ("http://user:pw@127.0.0.1", False),
        ("ftp://127.0.0.1", False),
        ("http://10.0.0.1", False),
        ("http://[::ffff:8.8.8.8]", False),
        ("http://127.0.0.1:99999", False),
        ("127.0.0.1:80", False),
        ("", False),
    ],
)
def test_is_loopback_url(url: str, ok: bool) -> None:
    assert is_loopback_url(url) is ok


def test_defaults_without_override() -> None:
    assert web_base_url({}) == WEB_BASE_URL == "https://claude.ai"
    assert oauth_base_url({"CLAUDE_METER_OAUTH_BASE_URL": "  "}) == OAUTH_BASE_URL


def test_loopback_override_is_taken() -> None:
    env = {"CLAUDE_METER_BASE_URL": "http://127.0.0.1:5000/"}
    assert web_base_url(env) == "http://127.0.0.1:5000"


@pytest.mark.parametrize("name", ["CLAUDE_METER_BASE_URL", "CLAUDE_METER_OAUTH_BASE_URL"])
def test_non_loopback_override_is_refused_clearly(name: str) -> None:
    env = {name: "https://attacker.example"}
    with pytest.raises(ConfigurationError, match=f"{name} may only point at this computer"):
        web_base_url(env) if "OAUTH" not in name else oauth_base_url(env)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost.:8080",  # the root's dot: an absolute name, asked of DNS
        "http://LOCALHOST.:8080",
        "http://api.localhost:8080",
        "http://localhost..:8080",
    ],
)
def test_names_a_resolver_may_send_to_dns_are_not_loopback(url: str) -> None:
    """Issue 16, finding 8: only IP literals and ``localhost`` itself never leave the machine."""
    assert not is_loopback_url(url)
    with pytest.raises(ConfigurationError):
        web_base_url({"CLAUDE_METER_BASE_URL": url})
