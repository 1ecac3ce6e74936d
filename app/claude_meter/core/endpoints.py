"""Where each secret may be sent.

Cookies go only to ``https://claude.ai`` and the OAuth token only to
``https://api.anthropic.com``. Tests and the demo point the clients at a local fake server
with ``CLAUDE_METER_BASE_URL`` / ``CLAUDE_METER_OAUTH_BASE_URL``; those overrides accept only
loopback addresses, so a stray environment variable can never ship a secret elsewhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from claude_meter.core.errors import ConfigurationError

#: The browser extension's bridge on 127.0.0.1 (settable); here so the command line can
#: name it without importing the settings model or the server.
DEFAULT_BRIDGE_PORT: Final = 63762

WEB_BASE_URL: Final = "https://claude.ai"
OAUTH_BASE_URL: Final = "https://api.anthropic.com"
USAGE_PAGE_URL: Final = "https://claude.ai/settings/usage"
WEB_BASE_ENV: Final = "CLAUDE_METER_BASE_URL"
OAUTH_BASE_ENV: Final = "CLAUDE_METER_OAUTH_BASE_URL"


def is_loopback_url(url: str) -> bool:
    """True for an http(s) URL whose host is a loopback IP or ``localhost``, nothing else.

    Only names that never leave the machine: an IP literal, or ``localhost`` itself, which
    resolvers answer from the hosts file. ``localhost.`` (with the root's dot) and
    ``foo.localhost`` may be sent to a DNS server, whose answer could point anywhere.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return False
    host = parts.hostname or ""
    if host == "localhost":  # exactly: "localhost." is an absolute DNS name, asked of DNS
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve(env: Mapping[str, str], name: str, default: str) -> str:
    override = env.get(name, "").strip()
    if not override:
        return default
    if not is_loopback_url(override):
        raise ConfigurationError(
            f"{name} may only point at this computer (http(s)://127.0.0.1, localhost or [::1]), "
            f"so that your claude.ai session is never sent anywhere else. "
            f"Unset {name} to use {default}."
        )
    return override.rstrip("/")


def web_base_url(env: Mapping[str, str]) -> str:
    """The claude.ai base URL, honouring a loopback-only override."""
    return _resolve(env, WEB_BASE_ENV, WEB_BASE_URL)


def oauth_base_url(env: Mapping[str, str]) -> str:
    """The api.anthropic.com base URL, honouring a loopback-only override."""
    return _resolve(env, OAUTH_BASE_ENV, OAUTH_BASE_URL)


def points_at_loopback(env: Mapping[str, str]) -> bool:
    """Whether every route the environment overrides is a loopback server (a test's or a
    benchmark's fake claude.ai), and at least one is."""
    web = env.get("CLAUDE_METER_BASE_URL", "")
    oauth = env.get("CLAUDE_METER_OAUTH_BASE_URL", "")
    return bool(web or oauth) and all(is_loopback_url(u) for u in (web, oauth) if u)
