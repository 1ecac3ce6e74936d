"""Which certificate authorities a connection trusts.

The real hosts (claude.ai, api.anthropic.com) are verified against the roots that ship with
certifi, whatever the environment says: a stray ``SSL_CERT_FILE`` must not let another
authority vouch for the hosts that receive a session or a token. A loopback override
(``CLAUDE_METER_BASE_URL=https://127.0.0.1:PORT``, see :mod:`claude_meter.core.endpoints`)
trusts the file named by the standard ``SSL_CERT_FILE`` variable instead, so a test can serve
TLS with its own certificate. Both transports (Python's own and the browser-like one) ask here.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Mapping

import certifi

from claude_meter.core.endpoints import is_loopback_url
from claude_meter.core.errors import ConfigurationError

CA_FILE_ENV = "SSL_CERT_FILE"


def ca_file(base_url: str, env: Mapping[str, str] | None = None) -> str:
    """The CA bundle to verify ``base_url`` with (a path)."""
    env = os.environ if env is None else env
    override = env.get(CA_FILE_ENV, "").strip()
    if override and base_url.startswith("https://") and is_loopback_url(base_url):
        return override
    return certifi.where()


def ssl_context(base_url: str, env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """A verifying client context for ``base_url``; a bad ``SSL_CERT_FILE`` is explained."""
    cafile = ca_file(base_url, env)
    try:
        return _context(cafile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"{CA_FILE_ENV} names {cafile}, which is not a readable PEM file of certificates "
            f"({type(exc).__name__}). Point it at the test server's certificate, or unset it."
        ) from None


@functools.lru_cache(maxsize=8)
def _context(cafile: str) -> ssl.SSLContext:
    """Built once per file: loading a bundle takes ~20 ms. It offers HTTP/1.1 by ALPN, as
    httpx did: the same ClientHello to claude.ai as before (docs/protocol.md)."""
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["http/1.1"])
    return context
