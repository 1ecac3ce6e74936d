"""What the fake server's tests share: fixed values, a hand-moved clock, clients and readers."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from claude_meter.fake import (
    DEFAULT_OAUTH_TOKEN,
    DEFAULT_SESSION_KEY,
    FakeClaude,
)
from claude_meter.fake import scenarios as sc

NOW = datetime(2026, 11, 25, 10, 30, 15, 412233, tzinfo=UTC)
ISO_MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SESSION_COOKIE = f"sessionKey={DEFAULT_SESSION_KEY}"
OAUTH_HEADERS = {
    "Authorization": f"Bearer {DEFAULT_OAUTH_TOKEN}",
    "anthropic-beta": "oauth-2025-04-20",
}
AUTH_ERROR = {
    "type": "error",
    "error": {"type": "authentication_error", "message": "Invalid authorization"},
}


class ManualClock:
    """A monotonic clock the test moves by hand, so ``rising`` needs no sleeping."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def web(fake: FakeClaude, cookie: str | None = SESSION_COOKIE) -> httpx.Client:
    headers = {} if cookie is None else {"Cookie": cookie}
    return httpx.Client(base_url=fake.base_url, headers=headers, timeout=10)


def oauth(fake: FakeClaude, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=fake.base_url, headers=OAUTH_HEADERS | headers, timeout=10)


def usage_url(org: sc.Org) -> str:
    return f"/api/organizations/{org.uuid}/usage"


def get_usage(fake: FakeClaude, org: sc.Org = sc.PERSONAL) -> dict[str, Any]:
    with web(fake) as client:
        response = client.get(usage_url(org))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def percents(report: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    rows = report["limits"]
    assert isinstance(rows, list)
    return [
        (row["kind"], row["percent"], row["scope"] and row["scope"]["model"]["display_name"])
        for row in rows
    ]


def flaky_plan(seed: int, count: int) -> list[sc.FlakyOutcome]:
    rng = random.Random(seed)
    return [sc.flaky_outcome(rng) for _ in range(count)]


def soak_plan(seed: int, count: int) -> list[sc.FlakyOutcome]:
    rng = random.Random(seed)
    return [sc.soak_outcome(rng) for _ in range(count)]
