"""The app's reading of claude.ai's failures against the vectors the extension's tests also use
(``tests/vectors/errors.json``): each answer to ``GET /api/organizations`` is served by a real
server on loopback and read by the real :class:`WebClient`; the kind of the poll's error (or
none) must be the row's. ``extension/test/vectors.test.mjs`` reads the same rows with the
extension's ``readClaude``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from claude_meter.clients.web import WebClient
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import NOW, TEST_SESSION_KEY

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "errors.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]


def body_of(case: dict[str, Any]) -> bytes:
    text: str = case["body"].replace("{filler}", " " * case.get("filler", 0))
    return text.encode()


class Claude(ThreadingHTTPServer):
    """Answers ``/api/organizations`` with the current row, anything else with a 404."""

    daemon_threads = True
    case: dict[str, Any]


class Answers(BaseHTTPRequestHandler):
    server: Claude
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/api/organizations":
            status, headers, body = (
                self.server.case["status"],
                self.server.case["headers"],
                body_of(self.server.case),
            )
        else:
            status, headers, body = 404, {"content-type": "application/json"}, b"{}"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def claude() -> Iterator[Claude]:
    server = Claude(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_app_reads_each_answer_as_the_vectors_say(claude: Claude, case: dict[str, Any]) -> None:
    claude.case = case
    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    base_url = f"http://127.0.0.1:{claude.server_address[1]}"
    with WebClient(cookies, base_url, clock=lambda: NOW) as client:
        result = client.fetch().result
    error = result.error
    assert (error.kind if error else None) == case["kind"], error
    if error is None:
        assert result.snapshots  # the poll went on to the organizations
    elif error.kind == "rate_limited":
        after = case["retry_after"]
        retry_at = error.retry_at
        assert (None if retry_at is None else (retry_at - NOW).total_seconds()) == after
