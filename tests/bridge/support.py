"""A bridge on an ephemeral port, a raw HTTP client for it, and a real extension's post."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from claude_meter.bridge import BridgeServer, Pairing
from claude_meter.core.models import FetchResult
from claude_meter.fake import scenarios as sc
from tests.conftest import NOW

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


def raw_exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
