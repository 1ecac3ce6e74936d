"""The browser-like transport's HTTP/2 fingerprint against real Chromium's.

A listener on loopback speaks TLS with ALPN ``h2`` and records the first frames of every
connection (``tests/support/h2_fingerprint.py``): Debian's Chromium, headless, opens claude.ai
mapped to it, then the app's browser-like transport (``clients/impersonate.py``) connects.
Compared: the SETTINGS (identifiers, values, order), the connection's WINDOW_UPDATE and the
order of the pseudo-headers, which make Akamai's HTTP/2 fingerprint, and the first HEADERS
frame's priority fields (exclusive, dependency, weight). Chromium's request here is a
navigation; the weight of a page's own fetch may differ in Chrome, which this does not see.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from claude_meter.clients.impersonate import BrowserTransport
from claude_meter.core.errors import NetworkError
from claude_meter.fake.tls import self_signed_cert
from tests.e2e.desktop import wait_for
from tests.support.h2_fingerprint import h2_listener
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e


def test_the_browser_transport_speaks_http2_like_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium = require_tool("chromium")
    cert_pem, key_pem = self_signed_cert()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    with h2_listener(str(cert), str(key)) as (port, seen):
        subprocess.run(  # it gets no answer: its exit status says nothing
            [
                chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-quic", "--ignore-certificate-errors",
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--host-resolver-rules=MAP claude.ai 127.0.0.1:{port}",
                "--dump-dom", "https://claude.ai/",
            ],
            capture_output=True, timeout=90, check=False, env=env,
        )  # fmt: skip
        wait_for("Chromium's first HTTP/2 frames", lambda: seen, 30)
        chromium_h2 = seen[0]
        count = len(seen)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the loopback override's CA
        with (
            closing(BrowserTransport(f"https://127.0.0.1:{port}")) as transport,
            contextlib.suppress(NetworkError),  # the listener hangs up without answering
        ):
            transport.get("/api/organizations", {}, "web")
        wait_for("the transport's first HTTP/2 frames", lambda: len(seen) > count, 30)
        ours = seen[count]
    print(f"Chromium {chromium_h2.akamai} {chromium_h2.priority}")  # noqa: T201
    print(f"ours     {ours.akamai} {ours.priority}")  # noqa: T201
    assert ours.settings == chromium_h2.settings
    assert ours.window_update == chromium_h2.window_update
    assert ours.pseudo_order == chromium_h2.pseudo_order == "m,a,s,p"
    assert ours.priority == chromium_h2.priority
