"""The real extension in real Chromium, paired with a real ``claude-meter bridge --pair``.

Debian's ``chromium`` runs headed under Xvfb with a fresh ``--user-data-dir``, loads the
folder ``claude-meter extension-path`` prints (``--load-extension``), and resolves claude.ai
to the fake server over HTTPS. The profile is first signed in through the fake sign-in link
(which sets ``sessionKey`` as claude.ai does). The extension reads claude.ai with that
cookie, pairs itself during the bridge's pairing window, and posts: within 90 s the bridge
prints the fake server's numbers as a ``status --json`` line.

The negative, in the same browser and during the same pairing window: a web page
(``evil.example``, mapped to a local server) posts to ``/pair`` and ``/snapshots``; the
bridge refuses each one and accepts nothing from it.

The extension is told the bridge's port by opening its popup as ``popup.html#port=N`` (the
test picks a free port instead of 63762), and this browser profile's name with
``&profile=...``, as the person types it in the popup: the settings have an extension account
for that name, so the bridge marks the printed line with that account.

The fingerprint, on the same HTTPS fake server: every TLS ClientHello Chromium sent it is
recorded (read before the handshake, ``fake/hello.py``), then the app's browser-like transport
(``clients/impersonate.py``) connects, and the two ClientHellos must agree on what fingerprinting
looks at (see :func:`assert_same_tls_fingerprint`).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from claude_meter.clients.impersonate import BrowserTransport
from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings, save_settings
from claude_meter.fake import FakeClaude
from claude_meter.fake.hello import ClientHello
from claude_meter.fake.server import CHROME_JA4
from tests.conftest import TEST_SESSION_KEY
from tests.e2e.desktop import wait_for
from tests.e2e.test_browser_profile import chromium_sign_in
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e

EVIL_ORG = "EVIL-INJECTED-ORG"


def extension_id(folder: Path) -> str:
    """Chromium's id of an unpacked extension: the SHA-256 of its path, in letters a-p."""
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def evil_page(bridge_port: int) -> bytes:
    """A web page that tries what section 6 of docs/protocol.md says any page could do."""
    post = json.dumps(
        {
            "version": 1,
            "organizations": [
                {"organization": {"uuid": "evil", "name": EVIL_ORG}, "usage": {"five_hour": 1}}
            ],
        }
    )
    script = f"""
    const bridge = "http://127.0.0.1:{bridge_port}";
    const body = {json.dumps(post)};
    const tries = [
      fetch(bridge + "/pair", {{method: "POST", mode: "no-cors"}}),
      fetch(bridge + "/snapshots", {{method: "POST", mode: "no-cors",
        headers: {{"Content-Type": "text/plain"}}, body}}),
      fetch(bridge + "/snapshots", {{method: "POST",
        headers: {{"Content-Type": "application/json", "Authorization": "Bearer guess"}}, body}}),
    ];
    Promise.allSettled(tries).then((r) =>
      fetch("/done?" + r.map((x) => x.status).join(",")));
    """
    return f"<!doctype html><title>evil</title><script>{script}</script>".encode()


@contextmanager
def evil_server(bridge_port: int) -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []
    page = evil_page(bridge_port)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = page if self.path == "/" else b""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield int(httpd.server_address[1]), seen
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()


@contextmanager
def xvfb(env: dict[str, str]) -> Iterator[str]:
    require_tool("Xvfb", "xvfb")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        env=env,
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        assert display.isdigit(), "Xvfb did not report a display"
        yield f":{display}"
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class Lines:
    """Collects a process's output lines on a thread, so the test can wait on them."""

    def __init__(self, stream: object) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line)

    def close(self, stream: object) -> None:
        self._thread.join(10)
        stream.close()  # type: ignore[attr-defined]

    def text(self) -> str:
        return "".join(self.lines)


def our_hello(https: FakeClaude) -> ClientHello:
    """The ClientHello of the app's browser-like transport, as the fake server recorded it."""
    before = len(https.request_log)
    transport = BrowserTransport(https.base_url)
    try:
        transport.get("/api/organizations", {"Cookie": f"sessionKey={TEST_SESSION_KEY}"}, "web")
    finally:
        transport.close()
    hello = https.request_log[before].hello
    assert hello is not None
    return hello


def assert_same_tls_fingerprint(chromium: ClientHello, ours: ClientHello) -> None:
    """Compare what TLS fingerprinting (JA4, and the bot checks that look past it) sees.

    Compared: JA4 in its by-address form, which covers the TLS version, the number and set of
    cipher suites, the set of extensions and the signature algorithms in order (the extension
    order is left out: Chrome shuffles it per connection); besides JA4, the supported groups
    in order (X25519MLKEM768 first), the ALPN list, the TLS versions offered and GREASE.
    Not compared: the server name (Chromium came by name, claude.ai mapped to loopback; the app
    by the ``127.0.0.1`` override, and TLS sends no name for an address), per-connection random
    values (GREASE values, key shares), and HTTP/2 SETTINGS (this fake speaks HTTP/1.1).
    """
    assert ours.ja4_core == chromium.ja4_core
    assert ours.groups == chromium.groups
    assert ours.alpn == chromium.alpn
    assert ours.supported_versions == chromium.supported_versions
    assert ours.signature_algorithms == chromium.signature_algorithms
    assert ours.grease
    assert chromium.grease
    # 0: server_name; 0x29 pre_shared_key, 0x2a early_data: a resumed connection's
    assert set(ours.extensions) - {0x29, 0x2A} == set(chromium.extensions) - {0, 0x29, 0x2A}


def test_extension_pairs_and_posts_the_fake_numbers_and_a_web_page_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium = require_tool("chromium")
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "run").mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND", "QT_"))
    }
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(tmp_path / "run"))

    found = subprocess.run(
        [sys.executable, "-m", "claude_meter", "extension-path"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=env,
    )
    folder = Path(found.stdout.strip())
    assert (folder / "manifest.json").is_file()
    work = AccountRef(id="work", name="Work", kind="extension", profile="Work laptop")
    save_settings(Settings(accounts=(work,)), home / ".config" / "claude-meter" / "settings.json")
    ext_id = extension_id(folder)
    port = free_port()
    user_data = home / ".config" / "chromium"  # where chromium_sign_in signed in

    with (
        FakeClaude(tls=True, session_key=TEST_SESSION_KEY) as https,
        evil_server(port) as (evil_port, evil_seen),
    ):
        chromium_sign_in(chromium, home, https, env)
        bridge = subprocess.Popen(
            [sys.executable, "-m", "claude_meter", "bridge", "--pair", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = Lines(bridge.stdout), Lines(bridge.stderr)
        browser: subprocess.Popen[bytes] | None = None
        try:
            wait_for("the bridge to listen", lambda: "listening" in err.text(), 30)
            with xvfb(env) as display:
                args = [
                    chromium, "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--no-default-browser-check", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-quic",
                    "--password-store=basic", f"--user-data-dir={user_data}",
                    "--ignore-certificate-errors",
                    "--disable-features=DisableLoadExtensionCommandLineSwitch",
                    f"--host-resolver-rules=MAP claude.ai 127.0.0.1:{https.port},"
                    f"MAP evil.example 127.0.0.1:{evil_port}",
                    f"--load-extension={folder}",
                    "http://evil.example/",
                ]  # fmt: skip
                started = time.monotonic()
                with (tmp_path / "chromium.log").open("wb") as log:
                    browser = subprocess.Popen(
                        args,
                        env={**env, "DISPLAY": display},
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                    )
                wait_for(
                    "the extension to read claude.ai",
                    lambda: any(r.path == "/api/organizations" for r in https.request_log),
                    60,
                )
                # Chromium opens no extension page given on its first command line (the
                # extension is not loaded yet), but a second invocation hands the URL to the
                # running browser: the popup, told the bridge's port through its link.
                handoff = subprocess.run(
                    [
                        chromium, "--no-sandbox", f"--user-data-dir={user_data}",
                        f"chrome-extension://{ext_id}/popup.html#port={port}"
                        "&profile=%20work%20%20Laptop",
                    ],
                    env={**env, "DISPLAY": display}, capture_output=True, timeout=30, check=False,
                )  # fmt: skip
                assert handoff.returncode == 0, handoff.stderr[-2000:]
                try:
                    line = wait_for(
                        "the bridge to print the fake server's numbers",
                        lambda: next(
                            (x for x in out.lines if '"five_hour"' in x and '"work"' in x), None
                        ),
                        90,
                    )
                except AssertionError as exc:
                    calls = [r.path for r in https.request_log]
                    tail = (tmp_path / "chromium.log").read_text(errors="replace")[-3000:]
                    raise AssertionError(
                        f"{exc}\nbridge stderr:\n{err.text()}\nclaude.ai calls: {calls}\n"
                        f"page: {evil_seen}\nchromium:\n{tail}"
                    ) from None
                elapsed = time.monotonic() - started
                wait_for("the web page to finish its tries", lambda: any(
                    p.startswith("/done") for p in evil_seen), 30)  # fmt: skip
                wait_for(
                    "the bridge to refuse the web page",
                    lambda: "origin http://evil.example" in err.text(),
                    10,
                )
            chromium_hellos = {r.hello for r in https.request_log if r.hello is not None}
            assert https.cert_path is not None
            monkeypatch.setenv("SSL_CERT_FILE", https.cert_path)  # the loopback override's CA
            ours = our_hello(https)
        finally:
            if browser is not None:
                stop(browser)
            stop(bridge)
            out.close(bridge.stdout)
            err.close(bridge.stderr)

    data = json.loads(line)
    assert data["source"] == "extension"
    org = data["organizations"][0]
    assert (org["windows"][0]["key"], org["windows"][0]["percent"]) == ("five_hour", 37.0)
    assert org["worst"] == {"key": "seven_day", "percent": 64.0}
    assert org["email"] == "demo@example.com"
    assert data["account"] == {"id": "work", "name": "Work"}  # the popup's name for it
    assert elapsed < 90
    print(f"first snapshot printed {elapsed:.1f} s after Chromium started")  # noqa: T201

    assert "claude-meter: paired chrome-extension://" + ext_id in err.text()
    assert EVIL_ORG not in out.text()
    refused = [x for x in err.lines if "origin http://evil.example" in x]
    assert refused, err.text()
    assert all("(403)" in x or "(405)" in x for x in refused), refused
    assert "paired http://evil" not in err.text()
    assert TEST_SESSION_KEY not in out.text() + err.text()

    # One fingerprint for every Chromium connection (the extension order differs, JA4 not;
    # a resumed connection adds pre_shared_key), the one the fake's chrome-tls scenario knows,
    # and the app's transport matches it.
    assert len({h.ja4_core for h in chromium_hellos}) == 1, {h.ja4 for h in chromium_hellos}
    chromium_hello = min(chromium_hellos, key=lambda h: len(h.extensions))  # a first connection
    assert chromium_hello.server_name == "claude.ai"
    assert chromium_hello.ja4_core in CHROME_JA4
    assert_same_tls_fingerprint(chromium_hello, ours)
    print(f"Chromium's JA4 {chromium_hello.ja4}, ours {ours.ja4}")  # noqa: T201
