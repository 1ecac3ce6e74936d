"""Which transport carries a claude.ai request: Python's own, or the browser-like one.

The rule (``auto``, the default): Python's own HTTP client first (:mod:`http.client` over
:mod:`ssl`, :mod:`claude_meter.clients.http`), as for every other request. When claude.ai
answers a Cloudflare challenge (``403``/``503`` that :attr:`Answer.is_challenge` recognises),
the same request is sent again at once through :class:`BrowserTransport`, and this network is
remembered as one that challenges (:mod:`claude_meter.clients.challenged`, a file in the state
folder, so the tray's later polls, its restarts and every CLI run share it): for 24 hours,
requests on it go straight to the browser-like transport. A "network" is the local address
the system picks to reach claude.ai: moving to another Wi-Fi or switching a VPN on or off
changes it, and Python's client is tried again there.

Why not always: the browser-like transport costs about 7 MB of memory and a 41 MB library load
(docs/benchmarks.md), and most networks never challenge. Only a challenged network pays.

``CLAUDE_METER_TRANSPORT`` overrides the rule: ``browser`` always uses the browser-like
transport (when it loads), ``httpx`` never does (named after the library Python's side once
was, so that scripts which set it keep working). Where curl_cffi does not
load, everything goes through Python's client and the log says so once.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Mapping
from typing import Final, Literal
from urllib.parse import urlsplit

from claude_meter.clients import challenged, impersonate
from claude_meter.clients.http import ClientPool, HttpClient, guarded_get
from claude_meter.clients.http_errors import Answer
from claude_meter.core.errors import ConfigurationError

log = logging.getLogger(__name__)

TransportMode = Literal["auto", "browser", "httpx"]
TRANSPORT_ENV: Final = "CLAUDE_METER_TRANSPORT"
MODES: Final[tuple[TransportMode, ...]] = ("auto", "browser", "httpx")


def transport_mode(env: Mapping[str, str]) -> TransportMode:
    """``CLAUDE_METER_TRANSPORT`` as a mode; ``auto`` when unset."""
    value = env.get(TRANSPORT_ENV, "").strip().lower() or "auto"
    for mode in MODES:
        if value == mode:
            return mode
    raise ConfigurationError(
        f"{TRANSPORT_ENV}={value!r} is not one of {', '.join(MODES)}; unset it for auto."
    )


def network_of(base_url: str) -> str:
    """The local address this machine uses toward ``base_url``'s host ('' if unknown).

    A UDP ``connect`` only picks a route: no packet is sent. The host's address comes from the
    system resolver, which the request itself is about to ask anyway.
    """
    parts = urlsplit(base_url)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            parts.hostname or "", parts.port or 443, type=socket.SOCK_DGRAM
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.connect(address)
            return str(probe.getsockname()[0])
    except (OSError, IndexError, UnicodeError):
        return ""


class WebTransport:
    """claude.ai's requests for one :class:`~claude_meter.clients.web.WebClient`."""

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        *,
        mode: TransportMode = "auto",
        pool: ClientPool | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._mode: TransportMode = mode
        self._pool = pool
        self._browser: impersonate.BrowserTransport | None = None
        self._owns_browser = False
        self._challenged_here = False
        self._remembered: dict[str, float] | None = None  # read once per client (per poll)
        self._network: str | None = None
        self._wall = wall

    def close(self) -> None:
        if self._owns_browser and self._browser is not None:
            self._browser.close()

    @property
    def used_browser(self) -> bool:
        """Whether any request went through the browser-like transport."""
        return self._browser is not None

    def get(self, path: str, headers: Mapping[str, str], *, total_timeout: float) -> Answer:
        if self._mode == "browser" or (self._mode == "auto" and self._known_challenged()):
            browser = self._browser_transport()
            if browser is not None:
                return browser.get(path, headers, "web", total_timeout=total_timeout)
        answer = guarded_get(self._http, path, headers, "web", total_timeout=total_timeout)
        if self._mode != "auto" or answer.status not in (403, 503) or not answer.is_challenge:
            return answer
        browser = self._browser_transport()
        if browser is None:
            return answer
        self._remember_challenge()
        return browser.get(path, headers, "web", total_timeout=total_timeout)

    # -- memory -------------------------------------------------------------------------------

    def _known_challenged(self) -> bool:
        """Whether this network is remembered as challenging (this run, or a recent one)."""
        if self._challenged_here:
            return True
        if self._remembered is None:
            self._remembered = challenged.load(self._wall())
        if not self._remembered:
            return False  # nothing challenged lately: no address look-up
        return challenged.is_challenged(self._remembered, self._base_url, self._network_now())

    def _remember_challenge(self) -> None:
        self._challenged_here = True
        challenged.remember(self._base_url, self._network_now(), self._wall())
        log.info(
            "claude.ai challenged Python's TLS on this network; its requests now go through "
            "the browser-like transport (%s)",
            impersonate.IMPERSONATE,
        )

    def _network_now(self) -> str:
        if self._network is None:
            self._network = network_of(self._base_url)
        return self._network

    def _browser_transport(self) -> impersonate.BrowserTransport | None:
        if self._browser is not None:
            return self._browser
        if not impersonate.available():
            return None
        timeouts = self._http.timeouts
        if self._pool is not None:
            self._browser = self._pool.shared(
                f"browser|{self._base_url}",
                lambda: impersonate.BrowserTransport(self._base_url, timeouts=timeouts),
            )
        else:
            self._browser = impersonate.BrowserTransport(self._base_url, timeouts=timeouts)
            self._owns_browser = True
        return self._browser
