"""A bridge on an ephemeral port, a raw HTTP client for it, and a real extension's post
(the flood of bad connections of test_abuse.py: abuse.py)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from claude_meter.bridge import BridgeServer, Pairing
from claude_meter.core.models import FetchError, FetchResult, Snapshot
from claude_meter.fake import scenarios as sc
from tests.conftest import NOW

if TYPE_CHECKING:
    from claude_meter.qt.bridge_link import BridgeLink

EXTENSION = "chrome-extension://" + "abcdefghijklmnop" * 2
OTHER_EXTENSION = "chrome-extension://" + "ponmlkjihgfedcba" * 2
FIREFOX = "moz-extension://0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def good_post(name: str = "Personal", percent: float | None = None) -> dict[str, object]:
    """What the extension posts after reading the fake claude.ai's ``normal`` scenario."""
    org = sc.org_json(sc.PERSONAL)
    org["name"] = name
    usage = sc.usage_json("normal", sc.PERSONAL, NOW, 0.0)
    if percent is not None:
        usage["five_hour"] = {"utilization": percent, "resets_at": "2026-11-25T13:00:00Z"}
    return {
        "version": 1,
        "account": sc.account_json("normal"),
        "organizations": [
            {"organization": org, "usage": usage, "overage": sc.overage_json(sc.PERSONAL)}
        ],
    }


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


@dataclass
class Bridge:
    server: BridgeServer
    pairing: Pairing
    clock: Clock
    results: list[FetchResult] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.port

    def request(
        self,
        path: str,
        body: bytes | None = None,
        *,
        method: str = "POST",
        origin: str | None = EXTENSION,
        token: str | None = None,
        host: str | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = "application/json",
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            if origin is not None:
                conn.putheader("Origin", origin)
            if token is not None:
                conn.putheader("Authorization", f"Bearer {token}")
            if content_type is not None and body is not None:
                conn.putheader("Content-Type", content_type)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.endheaders(body)
            response = conn.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            conn.close()

    def pair(self, origin: str = EXTENSION) -> str:
        reply = self.request("/pair", origin=origin)
        assert reply.status == 200, reply.body
        token = reply.json()["token"]
        assert isinstance(token, str)
        return token

    def post(self, payload: object, token: str, **kwargs: object) -> Reply:
        return self.request(
            "/snapshots",
            json.dumps(payload).encode(),
            token=token,
            **kwargs,  # type: ignore[arg-type]
        )


def paired_client(link: BridgeLink) -> tuple[Bridge, str]:
    """An extension paired with the tray's bridge the person's way: the menu opens the
    pairing window, the extension pairs within it. Its client and token."""
    client = Bridge(link.server, link.pairing, Clock())
    link.open_pairing()
    return client, client.pair(EXTENSION)


def raw_exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class GoodPosts:
    """A paired extension posting a good snapshot every ``every`` seconds until ``stop``."""

    bridge: Bridge
    token: str
    stop: threading.Event
    every: float = 0.1
    started: list[float] = field(default_factory=list)  # time.monotonic() of each post
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                status = self.bridge.post(good_post(name=f"Org {number}"), self.token).status
            except OSError:
                status = 0
            self.started.append(began)
            self.latencies.append(time.monotonic() - began)
            self.statuses.append(status)
            number += 1
            self.stop.wait(self.every)


class OwnFetch:
    """The tray's own route, failing (claude.ai sends a Cloudflare check for the personal
    org) so that the extension's numbers are what it shows; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> FetchResult:
        with self._lock:
            self.calls += 1
        now = datetime.now(UTC)
        error = FetchError(kind="cloudflare", message="browser check")
        snapshot = Snapshot(source="web", org_uuid=sc.PERSONAL.uuid, fetched_at=now, error=error)
        return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))
