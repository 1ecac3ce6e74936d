"""The local bridge: the browser extension posts what it read on claude.ai to the app.

The extension reads claude.ai inside the browser, with the browser's own cookies and
fingerprint, so it works where reading cookies from disk does not (Windows' app-bound
encryption, Cloudflare checks). The bridge is the one door into the app from outside, so it
refuses everything that is not a paired extension: see :mod:`claude_meter.bridge.server`
and :mod:`claude_meter.bridge.admission`.
Qt-free: the tray and ``claude-meter bridge`` both run it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claude_meter.bridge.admission import MAX_BODY, Refusal
    from claude_meter.bridge.pairing import PAIRING_WINDOW, Pairing
    from claude_meter.bridge.server import DEFAULT_PORT, BridgeServer, PortInUse

_FROM = {
    "PAIRING_WINDOW": "pairing",
    "Pairing": "pairing",
    "DEFAULT_PORT": "server",
    "MAX_BODY": "admission",
    "BridgeServer": "server",
    "PortInUse": "server",
    "Refusal": "admission",
}


def __getattr__(name: str) -> object:
    """Load the server only when asked for: a tray with the bridge off never imports it."""
    if name in _FROM:
        import importlib

        return getattr(importlib.import_module(f"claude_meter.bridge.{_FROM[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_PORT",
    "MAX_BODY",
    "PAIRING_WINDOW",
    "BridgeServer",
    "Pairing",
    "PortInUse",
    "Refusal",
]
